// broken-returns-to-caller — ret through lr instead of the frame's pc
// ctxlab-arch: arm64
//
// expect: resume termination
// convention: boost-fcontext-arm64
// symbol: jump_fcontext
// maker: make_fcontext
//
// After the loads, lr is the target's saved lr, not its resume pc: a suspended one's is whatever
// its frame held (resume); a fresh context's is finish, whose brk stops the CPU (termination).
//
// Convention (Boost.Context fcontext, arm64 AAPCS ELF):
//   transfer_t jump_fcontext(fcontext_t to /* x0 */, void *data /* x1 */);
//   The routine builds a 0xb0-byte frame below the caller's sp; the frame's address is the
//   fcontext_t it hands over (transfer_t {fctx, data} in x0, x1).
//   frame+0x00 d8 d9 d10 d11 d12 d13 d14 d15 (0x00-0x38)
//   frame+0x40 x19 x20 x21 x22 x23 x24 x25 x26 x27 x28 (0x40-0x88)
//   frame+0x90 fp (x29)   0x98 lr (x30)   0xa0 pc: where to resume   0xa8 alignment
//   On arrival: sp = target frame + 0xb0, x0 = the suspended frame, x1 = data; it jumps to pc.
//   make_fcontext(top /* x0 */, size /* x1 */, fn /* x2 */) returns a fresh frame in x0.

        .text
        .align  2
        .globl  jump_fcontext
        .type   jump_fcontext, %function
jump_fcontext:
        sub     sp, sp, #0xb0           // the frame: 176 bytes below the caller's sp (stays 16-aligned)
        stp     d8, d9, [sp, #0x00]     // frame->d8, d9
        stp     d10, d11, [sp, #0x10]   // frame->d10, d11
        stp     d12, d13, [sp, #0x20]   // frame->d12, d13
        stp     d14, d15, [sp, #0x30]   // frame->d14, d15
        stp     x19, x20, [sp, #0x40]   // frame->x19, x20
        stp     x21, x22, [sp, #0x50]   // frame->x21, x22
        stp     x23, x24, [sp, #0x60]   // frame->x23, x24
        stp     x25, x26, [sp, #0x70]   // frame->x25, x26
        stp     x27, x28, [sp, #0x80]   // frame->x27, x28
        stp     x29, x30, [sp, #0x90]   // frame->fp, lr
        str     x30, [sp, #0xa0]        // frame->pc: this side resumes where its caller returns
        mov     x4, sp                  // from = this frame
        mov     sp, x0                  // to: the other side's frame
        ldp     d8, d9, [sp, #0x00]
        ldp     d10, d11, [sp, #0x10]
        ldp     d12, d13, [sp, #0x20]
        ldp     d14, d15, [sp, #0x30]
        ldp     x19, x20, [sp, #0x40]
        ldp     x21, x22, [sp, #0x50]
        ldp     x23, x24, [sp, #0x60]
        ldp     x25, x26, [sp, #0x70]
        ldp     x27, x28, [sp, #0x80]
        ldp     x29, x30, [sp, #0x90]
        mov     x0, x4                  // transfer_t.fctx = from (x1 = data passes through)
        ldr     x4, [sp, #0xa0]         // where the other side resumes
        add     sp, sp, #0xb0           // pop its frame: sp = to + 0xb0
        ret                             // BUG: lr, not the pc in x4
        .size   jump_fcontext, .-jump_fcontext

        .globl  make_fcontext
        .type   make_fcontext, %function
make_fcontext:
        and     x0, x0, #0xfffffffffffffff0  // the top, rounded down to 16
        sub     x0, x0, #0xb0           // the frame below it
        str     xzr, [x0, #0x90]        // frame->fp = 0 ends the frame chain
        adr     x1, finish
        str     x1, [x0, #0x98]         // frame->lr: where fn would return
        str     x2, [x0, #0xa0]         // frame->pc = fn
        ret                             // x0 = the fresh frame
finish:
        brk     #1                      // fn returned: a strand must switch away instead
        .size   make_fcontext, .-make_fcontext
