/* Context layout shared by the C side and the switch (ctxlab's own test header). */
#ifndef CTX_LAYOUT_H
#define CTX_LAYOUT_H

#define CTX_RBX   0
#define CTX_RBP   8
#define CTX_R12  16
#define CTX_R13  24
#define CTX_R14  32
#define CTX_R15  40
#define CTX_RSP  48
#define CTX_MXCSR 56
#define CTX_GUARD 60

/* One save and one restore, as macros (the reason files are .S). */
#define SAVE(reg, off)    movq %reg, off(%rdi)
#define LOAD(reg, off)    movq off(%rsi), %reg

#endif
