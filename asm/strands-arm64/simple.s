// Scenario 1, simple switch (AArch64): main -> strand -> main.
// ctxlab-arch: arm64
//
// Scenario block: contexts main 0x000, A 0x0c0, B 0x180, C 0x240 (176 bytes each).
// Results:
//   0x400  main's sp just before the switch       0x408  main's sp just after it (must be equal)
//   0x410  sp at the strand's entry (0 mod 16)     0x418  FPCR at the strand's entry (must be 0)
//   0x420  x20 at the strand's entry (preset)      0x428  d8 at the strand's entry (preset)
//   0x430  1 once the strand has run
//   0x480  main's x19-x28 after the round trip (10 x 8)   0x4d0 main's x29   0x4d8 main's d8
//   0x4e0  main's FPCR after the round trip (its own: round up, 0x400000)
//
// Main runs with FPCR RMode = round up, so that a strand inheriting it instead of starting with
// the default 0 is caught, and so is main getting the strand's FPCR back.

        .text
        .globl  simple_main
simple_main:                            // x0 = scenario block
        stp     x29, x30, [sp, #-112]!
        mov     x29, sp
        stp     x19, x20, [sp, #16]
        stp     x21, x22, [sp, #32]
        stp     x23, x24, [sp, #48]
        stp     x25, x26, [sp, #64]
        stp     x27, x28, [sp, #80]
        str     d8, [sp, #96]
        mrs     x9, fpcr
        str     x9, [sp, #104]          // the caller's FPCR
        mov     x19, x0                 // x19 = block, must survive the switch
        mov     x20, #0x2020
        mov     x21, #0x2121
        mov     x22, #0x2222
        mov     x23, #0x2323
        mov     x24, #0x2424
        mov     x25, #0x2525
        mov     x26, #0x2626
        mov     x27, #0x2727
        mov     x28, #0x2828
        fmov    d8, #1.5
        mov     x9, #0x400000           // RMode = 01: round towards plus infinity
        msr     fpcr, x9
        mov     x9, sp
        str     x9, [x19, #0x400]
        add     x0, x19, #0x000         // save: main
        add     x1, x19, #0x0c0         // restore: strand
        bl      cem_swapcontext
        mov     x9, sp
        str     x9, [x19, #0x408]
        add     x9, x19, #0x480         // main's registers
        stp     x19, x20, [x9, #0x00]
        stp     x21, x22, [x9, #0x10]
        stp     x23, x24, [x9, #0x20]
        stp     x25, x26, [x9, #0x30]
        stp     x27, x28, [x9, #0x40]
        str     x29, [x19, #0x4d0]
        str     d8, [x19, #0x4d8]
        mrs     x9, fpcr
        str     x9, [x19, #0x4e0]
        ldr     x9, [sp, #104]
        msr     fpcr, x9
        ldr     d8, [sp, #96]
        ldp     x27, x28, [sp, #80]
        ldp     x25, x26, [sp, #64]
        ldp     x23, x24, [sp, #48]
        ldp     x21, x22, [sp, #32]
        ldp     x19, x20, [sp, #16]
        ldp     x29, x30, [sp], #112
        ret

        .globl  simple_strand
simple_strand:                          // x19 = block, x20 = marker, d8 = marker (preset)
        mov     x9, sp
        str     x9, [x19, #0x410]
        mrs     x9, fpcr
        str     x9, [x19, #0x418]
        str     x20, [x19, #0x420]
        str     d8, [x19, #0x428]
        mov     x9, #1
        str     x9, [x19, #0x430]
        add     x0, x19, #0x0c0         // save: strand
        add     x1, x19, #0x000         // restore: main
        bl      cem_swapcontext
        brk     #1                      // never resumed
