// Scenario 4, stack preservation (AArch64): frames of A, B and main survive 6 rounds of switches.
// ctxlab-arch: arm64
//
// main -> A -> B -> main, six times. Each fills an 8-word frame on its own stack with
// seed + i, and checks it after every switch back.
// Results: A: 0x400 checks done, 0x408 slots found changed, 0x440 its frame's address;
//          B: 0x410, 0x418, 0x450; main: 0x420 rounds, 0x428 slots found changed.

        .text
        .globl  stack_main
stack_main:                             // x0 = scenario block
        stp     x29, x30, [sp, #-96]!
        mov     x29, sp
        stp     x19, x20, [sp, #16]
        stp     x21, x22, [sp, #32]
        stp     x23, x24, [sp, #48]
        stp     x25, x26, [sp, #64]
        stp     x27, x28, [sp, #80]
        mov     x19, x0
        movz    x20, #0x4d41, lsl #48   // main's seed
        sub     sp, sp, #64
        mov     x27, #0
1:      add     x9, x20, x27
        str     x9, [sp, x27, lsl #3]
        add     x27, x27, #1
        cmp     x27, #8
        b.lo    1b
        mov     x21, #0                 // rounds
        mov     x22, #0                 // slots found changed
2:      add     x0, x19, #0x000         // save: main
        add     x1, x19, #0x0c0         // restore: A
        bl      cem_swapcontext
        add     x21, x21, #1
        mov     x27, #0
3:      ldr     x9, [sp, x27, lsl #3]
        add     x10, x20, x27
        cmp     x9, x10
        cinc    x22, x22, ne
        add     x27, x27, #1
        cmp     x27, #8
        b.lo    3b
        cmp     x21, #6
        b.lo    2b
        str     x21, [x19, #0x420]
        str     x22, [x19, #0x428]
        add     sp, sp, #64
        ldp     x27, x28, [sp, #80]
        ldp     x25, x26, [sp, #64]
        ldp     x23, x24, [sp, #48]
        ldp     x21, x22, [sp, #32]
        ldp     x19, x20, [sp, #16]
        ldp     x29, x30, [sp], #96
        ret

        .globl  stack_strand
stack_strand:   // x19 = block, x20 = seed, x21 = own context, x22 = result offset, x23 = next context, x24 = frame-address offset
        sub     sp, sp, #64
        mov     x27, #0
1:      add     x9, x20, x27
        str     x9, [sp, x27, lsl #3]
        add     x27, x27, #1
        cmp     x27, #8
        b.lo    1b
        mov     x9, sp
        str     x9, [x19, x24]
        mov     x25, #0                 // checks done
        mov     x26, #0                 // slots found changed
2:      mov     x0, x21
        mov     x1, x23
        bl      cem_swapcontext
        mov     x27, #0
3:      ldr     x9, [sp, x27, lsl #3]
        add     x10, x20, x27
        cmp     x9, x10
        cinc    x26, x26, ne
        add     x27, x27, #1
        cmp     x27, #8
        b.lo    3b
        add     x25, x25, #1
        add     x9, x19, x22
        stp     x25, x26, [x9]
        b       2b
