package com.doit.idp.role;

import com.nimbusds.jose.JWSSigner;
import java.util.List;

/**
 * Role keys in an HSM: generate, list, relabel, delete, and sign with them. Private keys never leave it: a
 * store hands out {@link JWSSigner}s that sign inside the HSM, and public JWKs.
 *
 * <p>Implementations are thread-safe. Every method may throw {@link HsmException} when the HSM fails.
 * Backends pass one shared contract test suite ({@code RoleKeyStoreContract} in idp-core's tests).
 */
public interface RoleKeyStore extends AutoCloseable {

  /**
   * Generates a key pair inside the HSM ({@code CKA_TOKEN}, {@code CKA_PRIVATE}, {@code CKA_SENSITIVE} true,
   * {@code CKA_EXTRACTABLE} false) and stores {@code metadata} with it, in one step.
   */
  RoleKey generate(KeyMetadata metadata);

  /**
   * Every role key on the token, read in one pass. This scans the token: call it on a schedule or for an operator
   * command, never per request. Objects that are not ours or whose label is damaged are skipped.
   */
  List<RoleKey> list();

  /** Replaces a key's stored metadata; returns the key as now stored. */
  RoleKey relabel(RoleKey key, KeyMetadata metadata);

  /** Deletes both halves of the key pair. Deleting a key that is already gone is not an error. */
  void delete(RoleKey key);

  /** A signer for this key's algorithm that signs inside the HSM. Cheap: no HSM round trip until it signs. */
  JWSSigner signer(RoleKey key);

  /** Throws {@link HsmException} unless the HSM answers now (used by readiness checks). */
  void ping();

  @Override
  void close();
}
