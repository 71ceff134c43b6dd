package com.doit.idp.role;

/** The in-memory fake passes the same contract as the HSM backends, so tests above the key store can trust it. */
class InMemoryRoleKeyStoreTest extends RoleKeyStoreContract {
  private InMemoryRoleKeyStore fake;

  @Override
  protected RoleKeyStore newStore() {
    fake = new InMemoryRoleKeyStore();
    return fake;
  }

  @Override
  protected void plantForeignObjects(String account) {
    fake.plantRaw("my-app-signing-key");
    fake.plantRaw(KeyMetadata.PREFIX + account + "/alice RS256 not-a-number - 1");
    fake.plantRaw(KeyMetadata.PREFIX + account + "/alice");
    fake.plantRaw(KeyMetadata.PREFIX + "12345/alice RS256 1 - 2");
  }
}
