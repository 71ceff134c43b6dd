package com.doit.idp.aws;

import com.doit.idp.config.IdpConfig;
import com.doit.idp.config.Secret;
import com.doit.idp.role.RoleNames;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.retries.api.BackoffStrategy;

/**
 * Builds an {@link IamProvisioner} that talks to a {@link FakeAws} with our test credentials and no retry delay.
 * Public, in the test-jar, for the command line's and the admin API's tests.
 */
public final class ProvisioningFixture {
  public static final RoleNames NAMES = new RoleNames("https://oidc.aws-ops.doit-intl.com", "DoiT-Support-", "sts.amazonaws.com");
  public static final String MANAGEMENT_ROLE = "DoiT_Management_Role_DO-NOT-DELETE";

  private ProvisioningFixture() {}

  /** The {@code aws.external-id-secret-file} of the tests that derive external ids. */
  public static final Secret EXTERNAL_ID_SECRET = new Secret("external-id-secret-for-tests".toCharArray());

  public static IdpConfig.Aws config(FakeAws aws, List<String> thumbprints) {
    return new IdpConfig.Aws(MANAGEMENT_ROLE, FakeAws.REGION, Optional.of(aws.iamEndpoint()),
        Optional.of(aws.stsEndpoint()), thumbprints, Optional.empty());
  }

  /** The same, with {@link #EXTERNAL_ID_SECRET}: every account gets its external id. */
  public static IdpConfig.Aws configWithExternalIds(FakeAws aws) {
    return new IdpConfig.Aws(MANAGEMENT_ROLE, FakeAws.REGION, Optional.of(aws.iamEndpoint()),
        Optional.of(aws.stsEndpoint()), List.of(), Optional.of(EXTERNAL_ID_SECRET));
  }

  /** The external id {@link #EXTERNAL_ID_SECRET} gives {@code account}: what the customer's stack is given. */
  public static String externalId(String account) {
    return ExternalIds.of(Optional.of(EXTERNAL_ID_SECRET)).forAccount(account).orElseThrow();
  }

  public static IamProvisioner provisionerWithExternalIds(FakeAws aws) {
    return new IamProvisioner(NAMES, configWithExternalIds(aws),
        StaticCredentialsProvider.create(AwsBasicCredentials.create(FakeAws.OUR_ACCESS_KEY, FakeAws.OUR_SECRET)),
        ManagementPolicy.load(), BackoffStrategy.retryImmediately());
  }

  public static IamProvisioner provisioner(FakeAws aws) {
    return provisioner(aws, NAMES, List.of());
  }

  public static IamProvisioner provisioner(FakeAws aws, RoleNames names, List<String> thumbprints) {
    return new IamProvisioner(names, config(aws, thumbprints),
        StaticCredentialsProvider.create(AwsBasicCredentials.create(FakeAws.OUR_ACCESS_KEY, FakeAws.OUR_SECRET)),
        ManagementPolicy.load(), BackoffStrategy.retryImmediately());
  }
}
