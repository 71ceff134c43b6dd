package com.doit.idp.awsops;

/**
 * {@code bin/aws-ops}'s entry point. {@code credentials --account A} answered from the cache never leaves this class
 * and {@link CachedCredentials}: the AWS CLI runs it before every command, so that path loads no command-line parser,
 * JSON library, HTTP client or AWS SDK (docs/ENGINEERS.md "Speed"). Everything else goes to {@link AwsOps}.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    String account = cacheHitAccount(args);
    if (account != null && CachedCredentials.printIfFresh(Dirs.cache(System.getenv()), account,
        System.currentTimeMillis() / 1000, System.out)) {
      return;
    }
    System.exit(AwsOps.run(args, Context.system()));
  }

  /** The account of exactly {@code credentials --account A} (or {@code --account=A}) with a 12-digit A; else null. */
  static String cacheHitAccount(String[] args) {
    String account;
    if (args.length == 3 && args[0].equals("credentials") && args[1].equals("--account")) {
      account = args[2];
    } else if (args.length == 2 && args[0].equals("credentials") && args[1].startsWith("--account=")) {
      account = args[1].substring("--account=".length());
    } else {
      return null;
    }
    if (account.length() != 12) return null;
    for (int i = 0; i < 12; i++) {
      if (account.charAt(i) < '0' || account.charAt(i) > '9') return null;
    }
    return account;
  }
}
