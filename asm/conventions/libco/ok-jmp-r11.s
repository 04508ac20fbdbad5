# ok-jmp-r11 — slot order reversed, resumes by jmp through %r11 (no push)
#
# expect: pass
# convention: libco
# symbol: coctx_swap
#
# Saves from slot 0 upwards, takes the return address into %r11 (caller-saved and not one of the
# restored registers) and jumps to pending->ret with rsp = pending->rsp + 8: the same arrival
# without writing the target's stack. rax is still 0 on arrival.
#
# Convention (libco coctx_swap, x86-64 System V):
#   void coctx_swap(coctx_t *cur /* %rdi */, coctx_t *pending /* %rsi */);
#   coctx_t begins with void *regs[14] (0x70 bytes), slot k at 8 * k:
#   0x00 r15  0x08 r14  0x10 r13  0x18 r12  0x20 r9  0x28 r8  0x30 rbp  0x38 rdi
#   0x40 rsi  0x48 ret  0x50 rdx  0x58 rcx  0x60 rbx  0x68 rsp
#   Saved rsp is the entry rsp (pointing at the return address), ret is that return address.
#   Resume: rsp = pending->rsp + 8, push pending->ret (so [pending->rsp] is rewritten), ret.
#   The argument registers rdi, rsi, rdx, rcx, r8, r9 are restored too; rax is 0 on arrival.

        .align  16, 0xcc                # int3 padding
        .globl  coctx_swap
        .type   coctx_swap, @function
coctx_swap:
        movq    %r15, 0x00(%rdi)        # cur->regs[0]  r15 (0x00)
        movq    %r14, 0x08(%rdi)        # cur->regs[1]  r14 (0x08)
        movq    %r13, 0x10(%rdi)        # cur->regs[2]  r13 (0x10)
        movq    %r12, 0x18(%rdi)        # cur->regs[3]  r12 (0x18)
        movq    %r9, 0x20(%rdi)         # cur->regs[4]  r9  (0x20)
        movq    %r8, 0x28(%rdi)         # cur->regs[5]  r8  (0x28)
        movq    %rbp, 0x30(%rdi)        # cur->regs[6]  rbp (0x30)
        movq    %rdi, 0x38(%rdi)        # cur->regs[7]  rdi (0x38)
        movq    %rsi, 0x40(%rdi)        # cur->regs[8]  rsi (0x40)
        movq    (%rsp), %r11            # the return address
        movq    %r11, 0x48(%rdi)        # cur->regs[9]  ret (0x48)
        movq    %rdx, 0x50(%rdi)        # cur->regs[10] rdx (0x50)
        movq    %rcx, 0x58(%rdi)        # cur->regs[11] rcx (0x58)
        movq    %rbx, 0x60(%rdi)        # cur->regs[12] rbx (0x60)
        movq    %rsp, 0x68(%rdi)        # cur->regs[13] rsp (0x68)

        movq    0x00(%rsi), %r15        # pending->regs[0]  r15
        movq    0x08(%rsi), %r14        # pending->regs[1]  r14
        movq    0x10(%rsi), %r13        # pending->regs[2]  r13
        movq    0x18(%rsi), %r12        # pending->regs[3]  r12
        movq    0x20(%rsi), %r9         # pending->regs[4]  r9
        movq    0x28(%rsi), %r8         # pending->regs[5]  r8
        movq    0x30(%rsi), %rbp        # pending->regs[6]  rbp
        movq    0x38(%rsi), %rdi        # pending->regs[7]  rdi
        movq    0x48(%rsi), %r11        # pending->regs[9]  ret: where the target resumes
        movq    0x50(%rsi), %rdx        # pending->regs[10] rdx
        movq    0x58(%rsi), %rcx        # pending->regs[11] rcx
        movq    0x60(%rsi), %rbx        # pending->regs[12] rbx
        movq    0x68(%rsi), %rsp        # pending->regs[13] rsp
        leaq    8(%rsp), %rsp           # as after the ret that would pop the return address
        movq    0x40(%rsi), %rsi        # pending->regs[8]  rsi, last: it was the pointer
        xorl    %eax, %eax              # rax = 0 on arrival, as libco's does
        jmpq    *%r11                   # resume the target
