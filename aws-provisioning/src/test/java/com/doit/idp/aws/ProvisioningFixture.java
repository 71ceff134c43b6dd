package com.doit.idp.aws;

import com.doit.idp.config.IdpConfig;
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

  public static IdpConfig.Aws config(FakeAws aws, List<String> thumbprints) {
    return new IdpConfig.Aws(MANAGEMENT_ROLE, FakeAws.REGION, Optional.of(aws.iamEndpoint()),
        Optional.of(aws.stsEndpoint()), thumbprints, Optional.empty());
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
