# CET: the indirect-branch marker and every shadow-stack instruction, in the forms
# a switch that also switches shadow stacks uses.
        .text
        .globl shstk_switch
shstk_switch:
        endbr64
        rdsspq  %rax
        testq   %rax, %rax
        je      1f
        rdsspd  %eax
        rdsspq  %r9
        incsspd %ecx
        incsspq %rax
        incsspq %r10
        saveprevssp
        rstorssp (%rax)
        rstorssp -8(%rsp)
        rstorssp 8(%r12)
        rstorssp %fs:16(%rbx)
        wrssd   %eax, (%rdi)
        wrssq   %rax, (%rdi)
        wrssq   %r8, 16(%r13)
        wrussd  %ecx, 4(%rsi)
        wrussq  %rax, (%rdi,%rcx,8)
        setssbsy
        clrssbsy (%rax)
        clrssbsy 8(%rsp)
1:      endbr32
        ret
