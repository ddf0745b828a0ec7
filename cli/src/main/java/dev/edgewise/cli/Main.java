package dev.edgewise.cli;

import dev.edgewise.engine.ContextOverflowException;
import dev.edgewise.loader.ModelFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** The {@code edgewise} command. User mistakes end in one line on stderr and a non-zero exit. */
@Command(name = "edgewise", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Pure-Java inference for Qwen2 GGUF models on CPUs.",
        subcommands = {RunCommand.class, ChatCommand.class, ReasonCommand.class, DemoCommand.class, LogitsCommand.class, TokenizeCommand.class,
                TrainHeadsCommand.class, EvalCommand.class, InspectCommand.class, BenchCommand.class, ServeCommand.class,
                QuantizeCommand.class, TemplateCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {
    /** Exit code of a failed command (bad file, bad value discovered while running). */
    static final int EXIT_FAILURE = 1;
    /** Exit code of a command line that does not parse. */
    static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true), err = new PrintWriter(System.err, true);
        int code = execute(args, out, err);
        // Auto-flush covers println/printf only: a JSON document written with print would be lost at exit.
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs the command line with the given streams; returns the exit code (tests call this). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("edgewise: " + ex.getMessage());
            err.println("Try 'edgewise " + (ex.getCommandLine().getParent() == null ? "" : ex.getCommandLine().getCommandName() + " ") + "--help'.");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            err.println("edgewise: " + describe(ex));
            if (System.getenv("EDGEWISE_DEBUG") != null) ex.printStackTrace(err);
            err.flush();
            return EXIT_FAILURE;
        });
        if (args.length == 0) {
            cli.usage(err);
            return EXIT_USAGE;
        }
        return cli.execute(args);
    }

    /** A one-line description of a failure, naming the file or value at fault. */
    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException n) return "no such file: " + n.getFile();
        if (e instanceof AccessDeniedException a) return "permission denied: " + a.getFile();
        if (e instanceof ModelFormatException || e instanceof ContextOverflowException
                || e instanceof IllegalArgumentException || e instanceof UsageException
                || e instanceof dev.edgewise.engine.template.TemplateException) return e.getMessage();
        if (e instanceof IOException) return "I/O error: " + e.getMessage();
        if (e instanceof OutOfMemoryError) return "out of memory (" + e.getMessage() + "); try a smaller --ctx-size or a larger -Xmx in EDGEWISE_JAVA_OPTS";
        return "internal error: " + e + " (set EDGEWISE_DEBUG=1 for a stack trace, and please report it)";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"edgewise " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
