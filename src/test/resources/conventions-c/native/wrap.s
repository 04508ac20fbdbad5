        .text
        .globl _mco_wrap_main
_mco_wrap_main:
        movq %r13, %rdi
        jmpq *%r12
        .section .note.GNU-stack,"",@progbits
