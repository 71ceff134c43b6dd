package com.doit.idp.server.hook;

import com.doit.idp.aws.FakeAws;
import com.doit.idp.aws.IamProvisioner;
import com.doit.idp.aws.ProvisioningFixture;
import com.doit.idp.config.IdpConfig;
import com.doit.idp.role.RoleKeyStore;
import com.doit.idp.server.TestServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything around the hook receiver in a test: the strict IAM/STS fake, the SNS stand-in (whose CA the server
 * trusts through {@code hooks.trust-store}) and the CloudFormation stand-in (whose loopback ResponseURLs the server
 * accepts through {@code hooks.allow-loopback-response-url}), a provisioner with external ids, and the servers
 * (replicas) started over a given HSM. Close it after the test: it closes what it started.
 */
final class HookRig implements AutoCloseable {
  final FakeAws aws;
  final SnsStandIn sns;
  final CloudFormationStandIn cfn;
  final IamProvisioner provisioner;
  final IdpConfig config;
  private final List<TestServer> servers = new ArrayList<>();

  HookRig(Path dir, Map<String, String> more) throws Exception {
    aws = new FakeAws();
    sns = new SnsStandIn(TestServer.START);
    cfn = new CloudFormationStandIn();
    provisioner = ProvisioningFixture.provisionerWithExternalIds(aws);
    Path secret = dir.resolve("external-id.secret");
    Files.writeString(secret, new String(ProvisioningFixture.EXTERNAL_ID_SECRET.reveal()));
    Map<String, String> extra = new HashMap<>();
    extra.put("hooks.sns-topic-arns", FakeAws.OUR_TOPIC);
    extra.put("hooks.sns-cert-hosts", sns.certHost());
    extra.put("hooks.trust-store", sns.writeTrustStore(dir.resolve("sns-ca.pem")).toString());
    extra.put("hooks.allow-loopback-response-url", "true");
    extra.put("aws.iam-endpoint", aws.iamEndpoint().toString());
    extra.put("aws.sts-endpoint", aws.stsEndpoint().toString());
    extra.put("aws.external-id-secret-file", secret.toString());
    extra.putAll(more);
    config = TestServer.config(dir, extra, true);
  }

  /** A replica over {@code store} (the in-memory HSM when null); closed with the rig. */
  TestServer start(RoleKeyStore store) {
    TestServer t = TestServer.startWith(config, store, provisioner);
    servers.add(t);
    return t;
  }

  static URI endpoint(TestServer t) {
    return t.url("public", "/hooks/cloudformation");
  }

  /** A CloudFormation request of {@code type} for our stack in {@code account}, signed by SNS at the server's time. */
  SnsStandIn.Message notification(TestServer t, Map<String, Object> request) {
    return sns.notification(FakeAws.OUR_TOPIC, CloudFormationStandIn.json(request), t.clock.instant());
  }

  /** Installs our stack in {@code account} as the quick-create link does: our account, our topic, its external id. */
  void installOurStack(String account) {
    aws.account(account, false).install(com.doit.idp.aws.CustomerStack.load(),
        FakeAws.ourStack(ProvisioningFixture.externalId(account)));
  }

  @Override
  public void close() {
    for (TestServer t : servers) t.close();
    provisioner.close();
    cfn.close();
    sns.close();
    aws.close();
  }
}
