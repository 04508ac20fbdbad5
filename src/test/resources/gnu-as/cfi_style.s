# A switch as compilers and hand-written runtimes often emit it: CFI directives, .p2align with
# a fill limit, .hidden, .L local labels, RIP-relative addressing and an indirect call.
	.file	"cfi_style.c"
	.text
	.p2align 4
	.globl	rt_switch
	.hidden	rt_switch
	.type	rt_switch, @function
rt_switch:
.LFB0:
	.cfi_startproc
	endbr64
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	movq	%rbx, (%rdi)
	movq	%r12, 0x10(%rdi)
	leaq	.Lresume(%rip), %rax
	movq	%rax, 0x38(%rdi)
	movq	(%rsi), %rbx
	movq	0x10(%rsi), %r12
	popq	%rbp
	.cfi_def_cfa 7, 8
	jmp	*0x38(%rsi)
.Lresume:
	ret
	.cfi_endproc
.LFE0:
	.size	rt_switch, .-rt_switch
	.globl	rt_call
	.type	rt_call, @function
rt_call:
	.cfi_startproc
	subq	$8, %rsp
	call	*%rdx
	addq	$8, %rsp
	ret
	.cfi_endproc
	.size	rt_call, .-rt_call
	.ident	"hand-written for ctxlab's tests"
	.section	.note.GNU-stack,"",@progbits
