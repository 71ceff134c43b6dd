package com.doit.idp.server.sso;

import com.doit.idp.role.RoleId;
import java.util.Objects;

/**
 * An engineer whose SSO ID token {@link SsoVerifier} accepted. Immutable.
 *
 * @param engineer the engineer id: the SSO email's local part, or with {@code sso.engineer-id = email} the whole
 *     address, lower-cased after an ASCII check; always valid for {@link RoleId}
 * @param email the email as the SSO issuer wrote it (its domain is one of {@code sso.allowed-domains})
 */
public record VerifiedEngineer(String engineer, String email) {
  public VerifiedEngineer {
    Objects.requireNonNull(email, "email");
    if (!RoleId.isEngineer(engineer)) throw new IllegalArgumentException("not an engineer id");
  }
}
