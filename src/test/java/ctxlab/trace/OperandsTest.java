package ctxlab.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.trace.Operands.Imm;
import ctxlab.trace.Operands.Memory;
import ctxlab.trace.Operands.Register;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The AT&T operand reader the explanations stand on (until a disassembler replaces it). */
class OperandsTest {
    private static Operands parse(String s) {
        return Operands.parse(s).orElseThrow(() -> new AssertionError("not parsed: " + s));
    }

    @Test
    void immediatesInEveryBase() {
        assertEquals(new Imm(0, null), parse("movq $0, 64(%rdi)").operands().get(0));
        assertEquals(new Imm(0x10, null), parse("movq $0x10, %rax").operands().get(0));
        assertEquals(new Imm(-1, null), parse("movq $-1, %rax").operands().get(0));
        assertEquals(new Imm(5, null), parse("movq $0b101, %rax").operands().get(0));
        assertEquals(new Imm(8, null), parse("movq $010, %rax").operands().get(0));
        assertEquals(new Imm(0, "strand_entry"), parse("leaq $strand_entry, %rax").operands().get(0));
    }

    @Test
    void registersAndIndirectTargets() {
        Operands o = parse("movq %RBX, %r12");
        assertEquals("movq", o.mnemonic());
        assertEquals(List.of(new Register("rbx", false), new Register("r12", false)), o.operands());
        assertEquals(new Register("rax", true), parse("jmp *%rax").operands().getFirst());
        assertEquals("rbx", Registers.full("ebx"));
        assertEquals("r12", Registers.full("r12d"));
        assertEquals("rax", Registers.full("al"));
        assertEquals("rsi", Registers.full("sil"));
        assertEquals("rsp", Registers.full("esp"));
        assertEquals("xmm0", Registers.full("xmm0"));
    }

    @Test
    void memoryOperandsWithBaseIndexScaleDisplacementAndSegment() {
        assertEquals(new Memory(null, 0x200, null, "r12", "r13", 8, false),
                parse("2:      cvtsd2si 0x200(%r12,%r13,8), %rax   # comment").operands().get(0));
        assertEquals(new Memory(null, 0, null, "rdi", null, 1, false), parse("movq %rbx, (%rdi)").destination().orElseThrow());
        assertEquals(new Memory(null, -8, null, "rsp", null, 1, false), parse("fldcw -8(%rsp)").operands().get(0));
        assertEquals(new Memory("fs", 0x28, null, null, null, 1, false), parse("movq %fs:0x28, %rax").operands().get(0));
        assertEquals(new Memory("gs", 0x184, null, "rdi", null, 1, false), parse("fnstcw %gs:0x184(%rdi)").operands().get(0));
        assertEquals(new Memory(null, 0, null, null, "rax", 4, false), parse("movl (,%rax,4), %ecx").operands().get(0));
        assertEquals(new Memory(null, 0, "table", "rip", null, 1, false), parse("leaq table(%rip), %rax").operands().get(0));
        assertEquals(new Memory(null, 48, null, "rsi", null, 1, true), parse("jmp *48(%rsi)").operands().get(0));
        assertEquals("0x40(%rdi)", Operands.text(parse("movq $0, 64(%rdi)").destination().orElseThrow()));
        assertEquals("0x200(%r12,%r13,8)", Operands.text(parse("cvtsd2si 0x200(%r12,%r13,8), %rax").source().orElseThrow()));
    }

    @Test
    void prefixesLabelsAndEmptyOperandLists() {
        assertEquals("movsb", parse("rep movsb").mnemonic());
        assertEquals(List.of(), parse("ret").operands());
        assertEquals("ret", parse("done: ret // back").mnemonic());
        assertEquals(1, parse("ret $8").operands().size());
    }

    @Test
    void whatItCannotReadItRefuses() {
        assertTrue(Operands.parse(".size cem_swapcontext, .-cem_swapcontext").isEmpty());
        assertTrue(Operands.parse("movq 8(%rdi,%rsi,3), %rax").isEmpty(), "scale 3");
        assertTrue(Operands.parse("movq 8(%rdi, %rax").isEmpty(), "unbalanced");
        assertTrue(Operands.parse("loop:").isEmpty());
        assertTrue(Operands.parse("   # only a comment").isEmpty());
        assertTrue(Operands.parse(null).isEmpty());
    }
}
