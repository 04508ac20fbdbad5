package ctxlab.cli;

import ctxlab.abi.Convention;
import ctxlab.abi.Conventions;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Lists the shipped conventions, or prints one's file: the starting point for describing your own. */
@Command(name = "conventions", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List the switch conventions ctxlab knows, or print one's JSON file.",
                "",
                "A convention is a switch routine's contract as data (README: Conventions). Print a shipped one,"
                        + " edit it, and give the copy to verify or trace with --convention PATH.",
                ""},
        footer = {"", "Exit codes: 0 listed or printed; 2 no such convention or bad convention file."})
final class ConventionsCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME|PATH", description = "print this convention's file"
            + " (a shipped name, or a path: it is read and checked first)")
    String name;

    @Option(names = "--json", description = "the list as JSON")
    boolean json;

    @picocli.CommandLine.Mixin
    DebugOption debugOption = new DebugOption();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    record Entry(String name, String arch, String runtime, List<String> symbols, String storage, String resume, String fresh,
                 String summary) {}

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (name != null) {
            Convention c = Conventions.resolve(name);   // checked: a bad file is exit 2 naming file and field
            if (Conventions.byName(name).isPresent()) {
                try (InputStream in = ConventionsCommand.class.getClassLoader().getResourceAsStream("ctxlab/conventions/" + c.name() + ".json")) {
                    out.print(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            } else {
                out.printf("%s: a valid %s convention '%s' (%d slots, %s storage)%n", c.source(), c.arch().id(), c.name(),
                        c.slots().size(), c.storage().kind().name().toLowerCase(java.util.Locale.ROOT));
            }
            return Main.OK;
        }
        List<Entry> entries = Conventions.all().stream().map(ConventionsCommand::entry).toList();
        if (json) {
            out.println(Common.json(entries));
            return Main.OK;
        }
        out.printf("%-21s %-7s %-22s %-10s %s%n", "NAME", "ARCH", "ROUTINE", "STORAGE", "FRESH CONTEXT");
        for (Entry e : entries) {
            out.printf("%-21s %-7s %-22s %-10s %s%n", e.name(), e.arch(), String.join(", ", e.symbols()), e.storage(), e.fresh());
        }
        out.printf("%n./ctxlab conventions NAME prints one's file; copy and edit it, then verify --convention PATH.%n");
        return Main.OK;
    }

    private static Entry entry(Convention c) {
        String storage = c.storage().kind() == Convention.StorageKind.FRAME ? "frame " + c.storage().size()
                : "struct " + c.storage().size();
        String resume = switch (c.resume().pc()) {
            case STACK -> "ret";
            case LR -> "ret to the restored lr";
            case SLOT -> "jump to the resume slot";
        };
        String fresh = c.fresh() == null ? "none" : (c.fresh().maker() != null ? "maker " + c.fresh().maker().symbol() : "")
                + (c.fresh().maker() != null && c.fresh().layout() != null ? " or " : "")
                + (c.fresh().layout() != null ? "layout" : "");
        return new Entry(c.name(), c.arch().id(), c.runtime(), c.symbols(), storage, resume, fresh, c.summary());
    }
}
