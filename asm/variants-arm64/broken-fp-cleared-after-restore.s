// broken-fp-cleared-after-restore — x29 cleared after it was restored
// ctxlab-arch: arm64
//
// expect: restore roundtrip
//
// Clearing the frame pointer after the loads breaks the resumed strand's frame chain.
//
// Context layout (176 bytes): x19-x28 0x00-0x48, x29 0x50, x30 (lr) 0x58, sp 0x60,
// d8-d15 0x68-0xa0, fpcr 0xa8. x0 = save, x1 = restore.

        .text
        .align  2
        .globl  cem_swapcontext
        .type   cem_swapcontext, %function
cem_swapcontext:
        // Save the running strand into *save (x0).
        stp     x19, x20, [x0, #0x00]   // save->x19 (0x00), save->x20 (0x08)
        stp     x21, x22, [x0, #0x10]   // save->x21 (0x10), save->x22 (0x18)
        stp     x23, x24, [x0, #0x20]   // save->x23 (0x20), save->x24 (0x28)
        stp     x25, x26, [x0, #0x30]   // save->x25 (0x30), save->x26 (0x38)
        stp     x27, x28, [x0, #0x40]   // save->x27 (0x40), save->x28 (0x48)
        stp     x29, x30, [x0, #0x50]   // save->x29 (0x50), save->x30 (0x58): our return address
        mov     x9, sp                  // sp cannot be stored directly
        str     x9, [x0, #0x60]         // save->sp  (0x60)
        stp     d8, d9, [x0, #0x68]     // save->d8  (0x68), save->d9  (0x70)
        stp     d10, d11, [x0, #0x78]   // save->d10 (0x78), save->d11 (0x80)
        stp     d12, d13, [x0, #0x88]   // save->d12 (0x88), save->d13 (0x90)
        stp     d14, d15, [x0, #0x98]   // save->d14 (0x98), save->d15 (0xA0)
        mrs     x10, fpcr
        str     x10, [x0, #0xa8]        // save->fpcr (0xA8)

        // Resume the strand in *restore (x1).
        ldp     x19, x20, [x1, #0x00]   // restore->x19, restore->x20
        ldp     x21, x22, [x1, #0x10]   // restore->x21, restore->x22
        ldp     x23, x24, [x1, #0x20]   // restore->x23, restore->x24
        ldp     x25, x26, [x1, #0x30]   // restore->x25, restore->x26
        ldp     x27, x28, [x1, #0x40]   // restore->x27, restore->x28
        ldp     x29, x30, [x1, #0x50]   // restore->x29, restore->x30 (where to resume)
        ldr     x9, [x1, #0x60]         // restore->sp
        ldp     d8, d9, [x1, #0x68]     // restore->d8,  restore->d9
        ldp     d10, d11, [x1, #0x78]   // restore->d10, restore->d11
        ldp     d12, d13, [x1, #0x88]   // restore->d12, restore->d13
        ldp     d14, d15, [x1, #0x98]   // restore->d14, restore->d15
        ldr     x10, [x1, #0xa8]        // restore->fpcr
        msr     fpcr, x10
        mov     x29, xzr                 // BUG: clobbers the restored x29
        mov     sp, x9                  // now on the other strand's stack
        ret                             // to restore->x30: the other strand's resume (or entry) address
        .size   cem_swapcontext, .-cem_swapcontext

        .section .note.GNU-stack,"",%progbits
