package com.doit.idp.aws;

import com.doit.idp.role.RoleId;
import com.doit.idp.role.RoleNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException;
import software.amazon.awssdk.services.iam.model.GetOpenIdConnectProviderResponse;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * The role's IAM OIDC provider: its issuer as URL, {@code issuer.audience} as client id, the configured thumbprints
 * if any. Created only below IAM's quota of {@value IamProvisioner#PROVIDER_QUOTA} providers per account; a provider
 * without our client id is refused, since the management role may not add one.
 */
final class ProviderStep implements ResourceStep {
  private final RoleNames names;
  private final List<String> thumbprints;
  private final RoleId id;
  private final String arn;
  private final String what;

  ProviderStep(RoleNames names, List<String> thumbprints, RoleId id) {
    this.names = names;
    this.thumbprints = thumbprints;
    this.id = id;
    this.arn = names.providerArn(id);
    this.what = "OIDC provider " + names.issuer(id);
  }

  @Override
  public List<IamCall> provisionCalls() {
    List<IamCall> calls = new ArrayList<>();
    calls.add(new IamCall("iam:GetOpenIDConnectProvider", arn, "read the OIDC provider for " + names.issuer(id)));
    calls.add(new IamCall("iam:ListOpenIDConnectProviders", "*",
        "count the account's OIDC providers against the quota of " + IamProvisioner.PROVIDER_QUOTA));
    calls.add(new IamCall("iam:CreateOpenIDConnectProvider", arn, "create the OIDC provider, client id " + names.audience()));
    if (!thumbprints.isEmpty()) {
      calls.add(new IamCall("iam:UpdateOpenIDConnectProviderThumbprint", arn, "set the configured thumbprints"));
    }
    return calls;
  }

  @Override
  public List<IamCall> deprovisionCalls() {
    return List.of(
        new IamCall("iam:GetOpenIDConnectProvider", arn, "read the OIDC provider"),
        new IamCall("iam:DeleteOpenIDConnectProvider", arn, "delete the OIDC provider"));
  }

  @Override
  public List<Change> beforeProvision(IamSession s) {
    Optional<GetOpenIdConnectProviderResponse> found = read(s);
    if (found.isEmpty()) {
      // Count first: at the quota, creating would fail after we had changed nothing, so refuse now and say why.
      int count = s.call("iam:ListOpenIDConnectProviders", "*",
          iam -> iam.listOpenIDConnectProviders(b -> {}).openIDConnectProviderList().size());
      if (count >= IamProvisioner.PROVIDER_QUOTA) throw quota(count);
      return List.of(Change.of(what, arn, () -> create(s)));
    }
    checkClientIds(found.get());
    if (!thumbprintsDiffer(found.get())) return List.of(Change.present(what, arn));
    return List.of(Change.of(what + " thumbprints", arn, () -> {
      s.call("iam:UpdateOpenIDConnectProviderThumbprint", arn,
          iam -> iam.updateOpenIDConnectProviderThumbprint(b -> b.openIDConnectProviderArn(arn).thumbprintList(thumbprints)));
      return Report.Outcome.UPDATED;
    }));
  }

  @Override
  public List<Change> beforeDeprovision(IamSession s) {
    if (read(s).isEmpty()) return List.of(Change.absent(what, arn));
    return List.of(Change.of(what, arn, () -> {
      try {
        s.call("iam:DeleteOpenIDConnectProvider", arn, iam -> iam.deleteOpenIDConnectProvider(b -> b.openIDConnectProviderArn(arn)));
        return Report.Outcome.DELETED;
      } catch (NoSuchEntityException e) {
        return Report.Outcome.ALREADY_ABSENT;
      }
    }));
  }

  private Optional<GetOpenIdConnectProviderResponse> read(IamSession s) {
    return s.find("iam:GetOpenIDConnectProvider", arn, iam -> iam.getOpenIDConnectProvider(b -> b.openIDConnectProviderArn(arn)));
  }

  private Report.Outcome create(IamSession s) {
    try {
      s.call("iam:CreateOpenIDConnectProvider", arn, iam -> iam.createOpenIDConnectProvider(b -> {
        b.url(names.issuer(id)).clientIDList(names.audience());
        // Thumbprints only when configured: IAM no longer needs them for a CA it trusts (docs/PROVISIONING.md).
        if (!thumbprints.isEmpty()) b.thumbprintList(thumbprints);
      }));
      return Report.Outcome.CREATED;
    } catch (EntityAlreadyExistsException e) {
      // Created meanwhile by another run: fine if it is what we would have created.
      GetOpenIdConnectProviderResponse p = s.call("iam:GetOpenIDConnectProvider", arn,
          iam -> iam.getOpenIDConnectProvider(b -> b.openIDConnectProviderArn(arn)));
      checkClientIds(p);
      return Report.Outcome.ALREADY_PRESENT;
    }
  }

  private void checkClientIds(GetOpenIdConnectProviderResponse p) {
    if (!p.clientIDList().contains(names.audience())) {
      throw new Refusal("the OIDC provider " + arn + " exists with client ids " + p.clientIDList() + " but not "
          + names.audience() + ", and the management role may not add a client id "
          + "(no iam:AddClientIDToOpenIDConnectProvider); run `keys-admin role deprovision " + id
          + "` and provision again");
    }
  }

  private boolean thumbprintsDiffer(GetOpenIdConnectProviderResponse p) {
    if (thumbprints.isEmpty()) return false; // none configured: leave the provider's own as they are
    Set<String> want = thumbprints.stream().map(t -> t.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    Set<String> have = p.thumbprintList().stream().map(t -> t.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    return !want.equals(have);
  }

  private Refusal quota(int count) {
    return new Refusal(ProvisioningException.Kind.QUOTA, "account " + id.account() + " already has " + count
        + " OIDC providers, IAM's limit of " + IamProvisioner.PROVIDER_QUOTA + " per account (not adjustable); "
        + "deprovision support roles that are no longer needed, or ask the customer to delete unused providers");
  }
}
