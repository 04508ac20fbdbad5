package ctxlab.selftest;

import ctxlab.abi.Memory;

/**
 * Where a scenario runs: Unicorn ({@link EmulatedBackend}) or, on x86-64 Linux, the host CPU.
 * A scenario sees only memory, symbols and calls, so the same scenario code runs on both.
 */
public interface Backend extends Memory, AutoCloseable {

    /** "unicorn" or "host". */
    String name();

    /** Zeroed read-write memory, page-aligned, with unmapped (guard) space around it. */
    long allocate(long size);

    /** Address of a symbol of the loaded code. */
    long symbol(String name);

    /**
     * Calls a routine with System V integer arguments and runs it to its return.
     *
     * @throws ScenarioFault if the code faults, runs away or crashes
     */
    Run call(String symbol, long... args);

    @Override
    void close();

    /**
     * What one call cost.
     *
     * @param instructions instructions executed, or -1 where they cannot be counted (host)
     * @param switches     entries into the switch routine, or -1 where they cannot be counted
     */
    record Run(long instructions, long switches) {}

    /**
     * An access to emulated memory for a scenario. A scenario reads addresses the routine left
     * behind (a frame pointer a strand stored): a routine that never ran the strand leaves 0 there,
     * which is a failed scenario, not a crash.
     */
    static long reach(java.util.function.LongSupplier access) {
        try {
            return access.getAsLong();
        } catch (ctxlab.emu.EmulationException e) {
            throw new ScenarioFault("the scenario's memory cannot be reached: " + e.getMessage(), e);
        }
    }

    /** The code under test faulted or ran away; the message names the address and source line. */
    final class ScenarioFault extends RuntimeException {
        public ScenarioFault(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
