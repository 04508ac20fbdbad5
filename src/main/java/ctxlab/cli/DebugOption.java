package ctxlab.cli;

import picocli.CommandLine.Option;

/**
 * {@code --debug}, shared by every command as a picocli mixin. Main looks for it in the raw
 * arguments (it decides how an internal error is shown before picocli has parsed anything); the
 * option is declared here so that picocli accepts it on every command.
 */
final class DebugOption {
    @Option(names = "--debug", description = "show stack traces of internal errors", hidden = true)
    boolean debug;
}
