package ctxlab.vectors;

import ctxlab.emu.Reg;
import java.util.Map;

/**
 * What a run left behind, from any engine: the registers of {@link Vector#AFTER}, every region's
 * bytes, and how the run ended.
 *
 * @param instructions executed instructions, -1 where they cannot be counted
 * @param fault        null when the run reached its stop address
 * @param faultAddress the faulting data address (or the fetch address, or the last instruction for
 *                     budget exhaustion)
 * @param faultPc      the faulting instruction
 * @param message      the engine's words for the fault, null without one
 */
public record Observed(Map<Reg, Long> registers, Map<String, byte[]> memory, long instructions,
                       FaultKind fault, long faultAddress, long faultPc, String message) {
    public Observed {
        registers = Map.copyOf(registers);
        memory = Map.copyOf(memory);
    }
}
