// Scenario 5, floating point (AArch64): A rounds down, B up, main to nearest; each keeps its FPCR.
// ctxlab-arch: arm64
//
// Four turns main -> A -> B -> main. In turn i each rounds input i (0x500 + 8i, a double) to an
// integer with frinti (the FPCR rounding mode) and stores it, and logs its FPCR.
// Results: A 0x540, B 0x560, main 0x580 (4 x 8 each); FPCR logs A 0x5a0, B 0x5c0, main 0x5e0.

        .text
        .globl  fp_main
fp_main:                                // x0 = scenario block
        stp     x29, x30, [sp, #-48]!
        mov     x29, sp
        stp     x19, x20, [sp, #16]
        str     x21, [sp, #32]
        mov     x19, x0
        mov     x20, #0                 // turn
        msr     fpcr, xzr               // to nearest
1:      add     x0, x19, #0x000         // save: main
        add     x1, x19, #0x0c0         // restore: A
        bl      cem_swapcontext
        add     x9, x19, #0x500
        ldr     d0, [x9, x20, lsl #3]
        frinti  d0, d0
        fcvtzs  x10, d0
        add     x11, x19, #0x580
        str     x10, [x11, x20, lsl #3]
        mrs     x12, fpcr
        add     x11, x19, #0x5e0
        str     x12, [x11, x20, lsl #3]
        add     x20, x20, #1
        cmp     x20, #4
        b.lo    1b
        ldr     x21, [sp, #32]
        ldp     x19, x20, [sp, #16]
        ldp     x29, x30, [sp], #48
        ret

        .globl  fp_strand
fp_strand:      // x19 = block, x20 = own context, x21 = results offset, x22 = FPCR log offset, x23 = mode, x24 = next context
        msr     fpcr, x23
        mov     x25, #0                 // turn
1:      add     x9, x19, #0x500
        ldr     d0, [x9, x25, lsl #3]
        frinti  d0, d0
        fcvtzs  x10, d0
        add     x11, x19, x21
        str     x10, [x11, x25, lsl #3]
        mrs     x12, fpcr
        add     x11, x19, x22
        str     x12, [x11, x25, lsl #3]
        add     x25, x25, #1
        mov     x0, x20
        mov     x1, x24
        bl      cem_swapcontext
        b       1b
