package com.doit.idp.cli;

import com.doit.idp.role.KeyMetadata;
import com.doit.idp.role.RoleKey;
import com.doit.idp.role.RoleKeyStore;
import com.nimbusds.jose.JWSSigner;
import java.util.List;

/** A store that belongs to someone else: every call goes through, except {@link #close()}. Thread-safe as the store. */
final class BorrowedStore implements RoleKeyStore {
  private final RoleKeyStore store;

  BorrowedStore(RoleKeyStore store) {
    this.store = store;
  }

  @Override
  public RoleKey generate(KeyMetadata metadata) {
    return store.generate(metadata);
  }

  @Override
  public List<RoleKey> list() {
    return store.list();
  }

  @Override
  public RoleKey relabel(RoleKey key, KeyMetadata metadata) {
    return store.relabel(key, metadata);
  }

  @Override
  public void delete(RoleKey key) {
    store.delete(key);
  }

  @Override
  public JWSSigner signer(RoleKey key) {
    return store.signer(key);
  }

  @Override
  public void ping() {
    store.ping();
  }

  @Override
  public void close() {
    // the owner closes it
  }
}
