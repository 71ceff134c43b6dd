package com.doit.idp.awsops;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code aws-ops}, the engineers' command line (docs/ENGINEERS.md): from the company SSO sign-in to AWS credentials.
 * Exit code 0 success, 1 failure (one line on stderr, {@code aws-ops: ...}), 2 usage error; {@code exec} exits with
 * its command's code. Not thread-safe: one run per instance.
 */
@Command(name = "aws-ops", mixinStandardHelpOptions = true, versionProvider = AwsOps.Version.class,
    description = "From the company SSO sign-in to AWS credentials for the customer accounts you may reach.",
    subcommands = {AwsOps.Login.class, AwsOps.Roles.class, AwsOps.Credentials.class, AwsOps.Configure.class,
        AwsOps.Exec.class, AwsOps.Logout.class})
public final class AwsOps implements Runnable {
  /** How long {@code login} waits for the browser to come back. */
  static final Duration LOGIN_WAIT = Duration.ofMinutes(5);
  private static final DateTimeFormatter SHOWN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  final Context context;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  AwsOps(Context context) {
    this.context = context;
  }

  /** Runs one command line; returns the exit code. */
  public static int run(String[] args, Context context) {
    CommandLine cl = new CommandLine(new AwsOps(context));
    cl.setOut(new java.io.PrintWriter(context.out(), true));
    cl.setErr(new java.io.PrintWriter(context.err(), true));
    cl.setExecutionExceptionHandler((e, line, parsed) -> {
      if (e instanceof AwsOpsException a) {
        context.err().println("aws-ops: " + a.getMessage());
      } else {
        // Unexpected: the class only, as a message might hold what we never print.
        context.err().println("aws-ops: unexpected " + e.getClass().getName() + ": please report it with the command you ran");
      }
      return 1;
    });
    return cl.execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command: login, roles, credentials, configure, exec or logout");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = AwsOps.class.getPackage().getImplementationVersion();
      return new String[] {"aws-ops " + (v == null ? "(development)" : v)};
    }
  }

  /** What every command shares, built when it runs (settings are read then, so --help needs none). */
  abstract static class Base implements Callable<Integer> {
    @CommandLine.ParentCommand AwsOps parent;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    Context context() {
      return parent.context;
    }

    Settings settings() {
      return Settings.load(context().env());
    }

    CacheDir cache() {
      return new CacheDir(context().cacheDir());
    }

    SsoSignIn signIn(Settings s, Http http) {
      return new SsoSignIn(s, cache(), context().clock(), new SsoClient(s, http));
    }

    static String shown(Instant t) {
      return SHOWN.format(t);
    }
  }

  @Command(name = "login", description = "Sign in to the company SSO in the browser (authorization code with PKCE).")
  static final class Login extends Base {
    @Option(names = "--no-browser", description = "Print the URL to open instead of opening a browser.")
    boolean noBrowser;

    @Override
    public Integer call() {
      Settings s = settings();
      Http http = new Http();
      SsoClient sso = new SsoClient(s, http);
      SsoClient.Endpoints endpoints = sso.discover();
      SsoClient.Pkce pkce = SsoClient.Pkce.create();
      try (LoopbackRedirect redirect = new LoopbackRedirect(s.ssoRedirectPort(), pkce.state())) {
        URI url = sso.authorizationUrl(endpoints, redirect.uri(), pkce);
        if (noBrowser || !context().browser().open(url)) {
          context().err().println(noBrowser ? "Open this URL in a browser on this computer to sign in:"
              : "Could not open a browser: open this URL on this computer to sign in:");
          context().out().println(url);
          context().out().flush();
        } else {
          context().err().println("Signing in through your browser (if nothing opened, run `aws-ops login --no-browser`)...");
        }
        LoopbackRedirect.Result r = redirect.await(LOGIN_WAIT);
        if (r.code() == null) throw new AwsOpsException("the SSO did not sign you in (" + r.error() + ")");
        SsoSession session = sso.exchangeCode(endpoints, r.code(), redirect.uri(), pkce);
        SsoSignIn signIn = signIn(s, http);
        SsoSession before = signIn.cached();
        if (before == null || !java.util.Objects.equals(before.email(), session.email())) {
          // Someone else's credentials (or another SSO's) must not be served to this sign-in.
          forgetCredentials(cache());
        }
        signIn.save(session);
        context().err().println("Signed in" + (session.email() == null ? "" : " as " + session.email()) + " until "
            + shown(session.expiresAt()) + (session.refreshToken() != null ? ", renewed automatically after that"
            : "; run `aws-ops login` again then"));
      }
      return 0;
    }
  }

  @Command(name = "roles", description = "The accounts you can reach now, and until when (GET /roles).")
  static final class Roles extends Base {
    @Override
    public Integer call() {
      List<IdpClient.Role> roles = roles(this);
      if (roles.isEmpty()) {
        context().err().println("No active role: ask for access through the support case.");
        return 0;
      }
      Instant now = context().clock().instant();
      for (IdpClient.Role r : roles) {
        Duration left = Duration.between(now, r.expiresAt());
        context().out().println(r.account() + "  " + r.roleArn() + "  until " + shown(r.expiresAt()) + " (" + left.toHours()
            + "h " + left.toMinutesPart() + "m)");
      }
      return 0;
    }
  }

  /** {@code GET /roles} with the current sign-in, renewed once if the token service refuses it. */
  static List<IdpClient.Role> roles(Base command) {
    Settings s = command.settings();
    Http http = new Http();
    SsoSignIn signIn = command.signIn(s, http);
    IdpClient idp = new IdpClient(s.tokenUrl(), http);
    SsoSession sso = signIn.current();
    try {
      return idp.roles(sso);
    } catch (IdpClient.SsoRefused e) {
      try {
        return idp.roles(signIn.renew(sso, true));
      } catch (IdpClient.SsoRefused again) {
        throw new NotSignedInException("the token service refused the SSO sign-in: " + again.getMessage());
      }
    }
  }

  @Command(name = "credentials", description = "Print credential_process JSON for one account (the AWS CLI runs this).")
  static final class Credentials extends Base {
    @Option(names = "--account", required = true, description = "The customer account (12 digits).")
    String account;

    @Override
    public Integer call() {
      context().out().println(source(this, account).credentialProcessJson(account));
      context().out().flush();
      return 0;
    }
  }

  static CredentialSource source(Base command, String account) {
    if (!account.matches("[0-9]{12}")) {
      throw new CommandLine.ParameterException(command.spec.commandLine(), "--account must be 12 digits");
    }
    Settings s = command.settings();
    Http http = new Http();
    return new CredentialSource(command.context(), s, command.cache(), command.signIn(s, http),
        new IdpClient(s.tokenUrl(), http));
  }

  @Command(name = "configure", description = "Write a [profile <prefix><account>] with credential_process for each "
      + "account you can reach into the AWS CLI's config file.")
  static final class Configure extends Base {
    @Override
    public Integer call() {
      Path launcher = context().launcher().orElseThrow(() -> new AwsOpsException(
          "configure must know where aws-ops is installed: run it through bin/aws-ops"));
      List<String> accounts = roles(this).stream().map(IdpClient.Role::account).distinct().toList();
      Path file = AwsConfigFile.path(context().env());
      AwsConfigFile.Change change = AwsConfigFile.update(file,
          AwsConfigFile.profiles(accounts, settings().profilePrefix(), launcher));
      for (String p : change.written()) context().out().println(p);
      context().err().println("Wrote " + change.written().size() + " profile(s) to " + file
          + (change.removed().isEmpty() ? "" : "; removed " + String.join(", ", change.removed()))
          + (change.written().isEmpty() ? "" : ". Try: aws sts get-caller-identity --profile " + change.written().get(0)));
      return 0;
    }
  }

  @Command(name = "exec", description = "Run a command with one account's credentials in its environment.")
  static final class Exec extends Base {
    @Option(names = "--account", required = true, description = "The customer account (12 digits).")
    String account;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command and its arguments (after --).")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() {
      AwsCredentials c = source(this, account).credentials(account);
      ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
      Map<String, String> env = pb.environment();
      env.clear();
      env.putAll(new HashMap<>(context().env()));
      // A profile named in the environment would be preferred by some tools over these variables.
      env.remove("AWS_PROFILE");
      env.remove("AWS_DEFAULT_PROFILE");
      env.put("AWS_ACCESS_KEY_ID", c.accessKeyId());
      env.put("AWS_SECRET_ACCESS_KEY", c.secretAccessKey());
      env.put("AWS_SESSION_TOKEN", c.sessionToken());
      env.put("AWS_CREDENTIAL_EXPIRATION", c.expiration().toString());
      try {
        return pb.start().waitFor();
      } catch (IOException e) {
        throw new AwsOpsException("cannot run " + command.get(0) + " (" + e.getClass().getSimpleName() + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 130;
      }
    }
  }

  /** Deletes every cached credential; returns how many there were. */
  static int forgetCredentials(CacheDir cache) {
    int n = 0;
    for (String name : cache.names("credentials-")) {
      if (!name.endsWith(".lock") && cache.delete(name)) n++;
    }
    return n;
  }

  @Command(name = "logout", description = "Forget the cached SSO sign-in and every cached credential.")
  static final class Logout extends Base {
    @Override
    public Integer call() {
      CacheDir cache = cache();
      boolean signedIn = cache.delete(SsoSession.FILE);
      int credentials = forgetCredentials(cache);
      context().err().println((signedIn ? "Signed out" : "Was not signed in") + "; forgot " + credentials
          + " cached credential(s).");
      return 0;
    }
  }
}
