// Scenario 2, multiple switches (AArch64): 1000 round trips main <-> strand with a counter.
// ctxlab-arch: arm64
//
// Results: 0x400 strand counter, 0x408 rounds where main saw the counter out of step,
//          0x410 rounds completed by main, 0x418 the strand's own x20 count (callee-saved
//          across its switches), 0x480 main's x19-x28, 0x4d0 x29 after the rounds.

        .text
        .globl  pingpong_main
pingpong_main:                          // x0 = scenario block
        stp     x29, x30, [sp, #-96]!
        mov     x29, sp
        stp     x19, x20, [sp, #16]
        stp     x21, x22, [sp, #32]
        stp     x23, x24, [sp, #48]
        stp     x25, x26, [sp, #64]
        stp     x27, x28, [sp, #80]
        mov     x19, x0
        mov     x20, #0x2020
        mov     x21, #0                 // rounds completed
        mov     x22, #0                 // rounds out of step
        mov     x23, #0x2323
        mov     x24, #0x2424
        mov     x25, #0x2525
        mov     x26, #0x2626
        mov     x27, #0x2727
        mov     x28, #0x2828
1:      add     x0, x19, #0x000         // save: main
        add     x1, x19, #0x0c0         // restore: strand
        bl      cem_swapcontext
        add     x21, x21, #1
        ldr     x9, [x19, #0x400]
        cmp     x9, x21
        cinc    x22, x22, ne
        cmp     x21, #1000
        b.lo    1b
        str     x22, [x19, #0x408]
        str     x21, [x19, #0x410]
        add     x9, x19, #0x480         // main's registers
        stp     x19, x20, [x9, #0x00]
        stp     x21, x22, [x9, #0x10]
        stp     x23, x24, [x9, #0x20]
        stp     x25, x26, [x9, #0x30]
        stp     x27, x28, [x9, #0x40]
        str     x29, [x19, #0x4d0]
        ldp     x27, x28, [sp, #80]
        ldp     x25, x26, [sp, #64]
        ldp     x23, x24, [sp, #48]
        ldp     x21, x22, [sp, #32]
        ldp     x19, x20, [sp, #16]
        ldp     x29, x30, [sp], #96
        ret

        .globl  pingpong_strand
pingpong_strand:                        // x19 = block, x20 = 0 (preset)
1:      ldr     x9, [x19, #0x400]
        add     x9, x9, #1
        str     x9, [x19, #0x400]
        add     x20, x20, #1
        str     x20, [x19, #0x418]
        add     x0, x19, #0x0c0         // save: strand
        add     x1, x19, #0x000         // restore: main
        bl      cem_swapcontext
        b       1b
