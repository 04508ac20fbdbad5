package ctxlab.host;

/**
 * A stand-in for {@link Child} in protocol tests: prints each argument as a line on stdout, then
 * exits with the status in the system property {@code exit} (0 without it).
 */
public final class ScriptedChild {
    private ScriptedChild() {}

    public static void main(String[] args) {
        for (String line : args) System.out.println(line);
        System.out.flush();
        // halt: no shutdown hooks, the way a process killed by a signal ends (status 128 + N).
        Runtime.getRuntime().halt(Integer.getInteger("exit", 0));
    }
}
