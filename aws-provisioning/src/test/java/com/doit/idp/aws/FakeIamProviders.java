package com.doit.idp.aws;

import static com.doit.idp.aws.AwsQuery.el;
import static com.doit.idp.aws.AwsQuery.escapedMembers;
import static com.doit.idp.aws.AwsQuery.members;

import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The fake IAM's OIDC provider actions: validation, the quota of {@value FakeIam#PROVIDER_QUOTA}, conflicts. */
final class FakeIamProviders {
  private static final Pattern PROVIDER_ARN = Pattern.compile("arn:aws:iam::(\\d{12}):oidc-provider/(.+)");
  private static final Pattern THUMBPRINT = Pattern.compile("[0-9A-Fa-f]{40}");

  private final FakeIam iam;

  FakeIamProviders(FakeIam iam) {
    this.iam = iam;
  }

  String listProviders(FakeAccount a, AwsQuery q) {
    q.only(Set.of());
    iam.authorize(a, q, "*");
    List<String> members = a.providers.keySet().stream().map(arn -> el("Arn", arn)).toList();
    return "<ListOpenIDConnectProvidersResult>" + members("OpenIDConnectProviderList", members)
        + "</ListOpenIDConnectProvidersResult>";
  }

  String providerArnParam(FakeAccount a, AwsQuery q) {
    String arn = q.required("OpenIDConnectProviderArn");
    if (arn.length() < 20 || arn.length() > 2048 || !PROVIDER_ARN.matcher(arn).matches()) {
      throw new AwsError("InvalidInput", "ARN " + arn + " is not valid.");
    }
    return arn;
  }

  FakeAccount.Provider existingProvider(FakeAccount a, String arn) {
    FakeAccount.Provider p = a.providers.get(arn);
    if (p == null) throw new AwsError("NoSuchEntity", "OpenIDConnect Provider not found for arn " + arn);
    return p;
  }

  String getProvider(FakeAccount a, AwsQuery q) {
    q.only(Set.of("OpenIDConnectProviderArn"));
    String arn = providerArnParam(a, q);
    iam.authorize(a, q, arn);
    FakeAccount.Provider p = existingProvider(a, arn);
    return "<GetOpenIDConnectProviderResult>" + escapedMembers("ThumbprintList", p.thumbprints())
        + el("CreateDate", p.created()) + escapedMembers("ClientIDList", p.clientIds())
        + el("Url", p.url().substring("https://".length())) + "</GetOpenIDConnectProviderResult>";
  }

  String createProvider(FakeAccount a, AwsQuery q) {
    q.only(Set.of("Url", "ClientIDList", "ThumbprintList", "Tags"));
    String url = q.required("Url");
    if (url.isEmpty() || url.length() > 255) throw new AwsError("ValidationError", "Url must be 1..255 characters");
    URI u;
    try {
      u = new URI(url);
    } catch (Exception e) {
      throw new AwsError("InvalidInput", "Invalid URL: " + url);
    }
    if (!"https".equals(u.getScheme()) || u.getHost() == null) throw new AwsError("InvalidInput", "The URL must begin with https://");
    if (u.getPort() != -1) throw new AwsError("InvalidInput", "The URL must not contain a port");
    if (u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
      throw new AwsError("InvalidInput", "The URL must not contain a query, fragment or user");
    }
    List<String> clientIds = q.list("ClientIDList");
    if (clientIds.size() > 100) throw new AwsError("LimitExceeded", "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100");
    for (String c : clientIds) {
      if (c.isEmpty() || c.length() > 255) throw new AwsError("ValidationError", "each client id must be 1..255 characters");
    }
    List<String> thumbprints = thumbprints(q, false);
    String arn = providerArn(a.id, url);
    iam.authorize(a, q, arn, q.hasPrefix("Tags.") ? new String[] {"iam:TagOpenIDConnectProvider"} : new String[0]);
    if (a.providers.containsKey(arn)) throw new AwsError("EntityAlreadyExists", "Provider with url " + url + " already exists.");
    if (a.providers.size() >= FakeIam.PROVIDER_QUOTA) {
      throw new AwsError("LimitExceeded", "Cannot exceed quota for OpenIdConnectProvidersPerAccount: " + FakeIam.PROVIDER_QUOTA);
    }
    a.providers.put(arn, new FakeAccount.Provider(url, List.copyOf(clientIds), thumbprints, iam.aws.tick()));
    return "<CreateOpenIDConnectProviderResult>" + el("OpenIDConnectProviderArn", arn) + "</CreateOpenIDConnectProviderResult>";
  }

  private static List<String> thumbprints(AwsQuery q, boolean required) {
    List<String> t = q.list("ThumbprintList");
    if (required && t.isEmpty()) throw new AwsError("ValidationError", "ThumbprintList must not be null");
    if (t.size() > 5) throw new AwsError("LimitExceeded", "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5");
    for (String s : t) {
      if (!THUMBPRINT.matcher(s).matches()) throw new AwsError("ValidationError", "each thumbprint must be 40 hex characters");
    }
    return List.copyOf(t);
  }

  String updateThumbprint(FakeAccount a, AwsQuery q) {
    q.only(Set.of("OpenIDConnectProviderArn", "ThumbprintList"));
    String arn = providerArnParam(a, q);
    List<String> t = thumbprints(q, true);
    iam.authorize(a, q, arn);
    FakeAccount.Provider p = existingProvider(a, arn);
    a.providers.put(arn, new FakeAccount.Provider(p.url(), p.clientIds(), t, p.created()));
    return "";
  }

  String deleteProvider(FakeAccount a, AwsQuery q) {
    q.only(Set.of("OpenIDConnectProviderArn"));
    String arn = providerArnParam(a, q);
    iam.authorize(a, q, arn);
    existingProvider(a, arn);
    a.providers.remove(arn);
    return "";
  }

  static String providerArn(String account, String url) {
    return "arn:aws:iam::" + account + ":oidc-provider/" + url.substring("https://".length());
  }
}
