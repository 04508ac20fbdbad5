// References a relocatable object leaves to the linker inside its own .text: GNU as emits
// R_AARCH64_CALL26, JUMP26, CONDBR19, TSTBR14, ADR_PREL_LO21, ADR_PREL_PG_HI21 + ADD_ABS_LO12_NC
// and LDST64_ABS_LO12_NC against the global symbols; ctxlab applies them as ld does (Arm64ElfTest).
        .text
        .globl  swap, helper, other
        .type   swap, %function
swap:
        bl      helper
        cbz     x0, other
        tbnz    x0, #5, other
        b.eq    helper
        adr     x2, helper
        adrp    x3, other
        add     x3, x3, :lo12:other
        ldr     x4, [x3, :lo12:slot]
        b       other
        .size   swap, .-swap
        .p2align 3
slot:   .quad   0
        .type   helper, %function
helper:
        ret
        .size   helper, .-helper
        .type   other, %function
other:
        mov     x0, #1
        ret
        .size   other, .-other
        .globl  slot
