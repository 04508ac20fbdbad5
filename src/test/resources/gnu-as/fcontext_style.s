/*
 * A switch in the style of Boost.Context's jump_fcontext (x86_64 SysV ELF), written for
 * ctxlab's front-end tests: block comments, .file, .align, .type/.size, endbr64, a 0x40-byte
 * frame pushed on the stack, and the GNU-stack note.
 */
.file "fcontext_style.s"
.text
.globl ctx_jump
.type ctx_jump,@function
.align 16
ctx_jump:
    endbr64
    leaq  -0x38(%rsp), %rsp /* room for the 0x38-byte frame */

    stmxcsr  (%rsp)     /* frame+0x00: MXCSR */
    fnstcw   0x4(%rsp)  /* frame+0x04: x87 CW */

    movq  %r12, 0x8(%rsp)  /* frame+0x08 */
    movq  %r13, 0x10(%rsp)  /* frame+0x10 */
    movq  %r14, 0x18(%rsp)  /* frame+0x18 */
    movq  %r15, 0x20(%rsp)  /* frame+0x20 */
    movq  %rbx, 0x28(%rsp)  /* frame+0x28 */
    movq  %rbp, 0x30(%rsp)  /* frame+0x30 */

    /* the frame address is the handle of the suspended side */
    movq  %rsp, %rax

    /* switch to the frame of the other side */
    movq  %rdi, %rsp

    movq  0x38(%rsp), %r8  /* where the other side resumes */

    ldmxcsr  (%rsp)     /* MXCSR back */
    fldcw    0x4(%rsp)  /* x87 CW back */

    movq  0x8(%rsp), %r12  
    movq  0x10(%rsp), %r13  
    movq  0x18(%rsp), %r14  
    movq  0x20(%rsp), %r15  
    movq  0x28(%rsp), %rbx  
    movq  0x30(%rsp), %rbp  

    leaq  0x40(%rsp), %rsp /* drop the frame and the resume address */

    /* two results: rax = our handle, rdx = the data word */
    movq  %rsi, %rdx
    /* and the same pair as arguments, for a first entry */
    movq  %rax, %rdi

    /* resume the other side */
    jmp  *%r8
.size ctx_jump,.-ctx_jump

/* no executable stack needed */
.section .note.GNU-stack,"",%progbits
