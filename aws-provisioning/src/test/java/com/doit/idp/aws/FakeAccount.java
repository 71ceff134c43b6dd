package com.doit.idp.aws;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One customer account's IAM as {@link FakeAws} keeps it: OIDC providers, managed policies with their versions,
 * roles with their attachments and inline policies, and the customer stack installed (which one, with which
 * parameters). Tests read it,
 * and change it behind IAM's back (what a customer does by hand). Guarded by the fake's lock: the accessors here
 * take it; package code that reaches into the fields holds it already (a request) or runs alone (a test's setup).
 */
public final class FakeAccount {
  /** One OIDC provider; {@code url} with its {@code https://}. */
  public record Provider(String url, List<String> clientIds, List<String> thumbprints, Instant created) {}

  public static final class PolicyVersionState {
    final String id;
    final String document;
    final Instant created;

    PolicyVersionState(String id, String document, Instant created) {
      this.id = id;
      this.document = document;
      this.created = created;
    }
  }

  public static final class ManagedPolicyState {
    final String name;
    final String path;
    final String arn;
    final String id;
    final String description;
    final Instant created;
    final List<PolicyVersionState> versions = new ArrayList<>();
    String defaultVersion;
    int nextVersion = 1;

    ManagedPolicyState(String name, String path, String arn, String id, String description, Instant created) {
      this.name = name;
      this.path = path;
      this.arn = arn;
      this.id = id;
      this.description = description;
      this.created = created;
    }

    PolicyVersionState version(String id) {
      return versions.stream().filter(v -> v.id.equals(id)).findFirst().orElse(null);
    }
  }

  public static final class RoleState {
    final String name;
    final String path;
    final String arn;
    final String id;
    final String trust;
    final String description;
    final int maxSession;
    final Instant created;
    final List<String> attached = new ArrayList<>();
    final Map<String, String> inline = new LinkedHashMap<>();

    RoleState(String name, String path, String arn, String id, String trust, String description, int maxSession,
        Instant created) {
      this.name = name;
      this.path = path;
      this.arn = arn;
      this.id = id;
      this.trust = trust;
      this.description = description;
      this.maxSession = maxSession;
      this.created = created;
    }
  }

  private final FakeAws aws;
  final String id;
  /** The customer stack as installed in this account; null when there is none. */
  CustomerStack.Installed stack;
  final Map<String, Provider> providers = new LinkedHashMap<>(); // by ARN
  final Map<String, ManagedPolicyState> policies = new LinkedHashMap<>(); // by ARN
  final Map<String, RoleState> roles = new LinkedHashMap<>(); // by name

  FakeAccount(FakeAws aws, String id) {
    this.aws = aws;
    this.id = id;
  }

  public String id() {
    return id;
  }

  /**
   * Installs {@code template} in this account with {@code parameters} (its defaults for the others), replacing any
   * stack installed before: what {@code sts:AssumeRole} and every IAM call are then checked against.
   */
  public FakeAccount install(CustomerStack template, Map<String, String> parameters) {
    synchronized (aws) {
      stack = template.install(id, parameters);
    }
    return this;
  }

  /** The customer deleted the stack: the management role is gone. */
  public FakeAccount uninstall() {
    synchronized (aws) {
      stack = null;
    }
    return this;
  }

  /** Providers the customer made for other purposes; they count against the quota. */
  public FakeAccount withForeignProviders(int n) {
    synchronized (aws) {
      for (int i = providers.size(); n > 0; i++, n--) {
        String url = "https://token.actions.example.org/customer-" + i;
        providers.put(FakeIamProviders.providerArn(id, url), new Provider(url, List.of("sts.amazonaws.com"), List.of(), aws.tick()));
      }
    }
    return this;
  }

  /** A role the customer made, bypassing our validation (the customer's own business). */
  public RoleState putRole(String name, String trustJson, String... attachedArns) {
    synchronized (aws) {
      RoleState r = new RoleState(name, "/", "arn:aws:iam::" + id + ":role/" + name, aws.nextId("AROA"), trustJson,
          "", 3600, aws.tick());
      r.attached.addAll(List.of(attachedArns));
      roles.put(name, r);
      return r;
    }
  }

  /** The customer attaches a policy to an existing role by hand, bypassing our checks. */
  public FakeAccount attachByHand(String roleName, String policyArn) {
    synchronized (aws) {
      roles.get(roleName).attached.add(policyArn);
    }
    return this;
  }

  public Provider provider(String arn) {
    synchronized (aws) {
      return providers.get(arn);
    }
  }

  public RoleState role(String name) {
    synchronized (aws) {
      return roles.get(name);
    }
  }

  public ManagedPolicyState policy(String arn) {
    synchronized (aws) {
      return policies.get(arn);
    }
  }

  public int providerCount() {
    synchronized (aws) {
      return providers.size();
    }
  }
}
