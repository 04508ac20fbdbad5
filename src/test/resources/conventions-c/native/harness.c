/*
 * harness.c — runs a switch routine of asm/conventions/ natively (x86-64 Linux), as a check that
 * the ok-*.s routines are correct on a real CPU; see run.sh. Not part of the Maven build.
 *
 * One strand (main) and one fresh strand ping-pong N times through probe() (probe.s), which sets
 * rbx, rbp, r12-r15 (and MXCSR and the x87 control word when probe_fp is set) to values derived
 * from a per-switch seed, calls the switch routine and records in probe_bad every one that did not
 * come back. The fresh strand is made as each runtime makes it (make_fcontext; aco_create's,
 * _mco_makectx's and coctx_make's layouts, written here from their description in
 * docs/conventions-research.md) and enters through align_stub (stub.s), which records its rsp.
 * Exit 0 and "bad=0" with "entry rsp mod 16 = 8": the routine kept its contract.
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
typedef struct { void *a, *b; } pair;
extern pair probe(void *fn, void *a0, void *a1, uint64_t seed);
extern unsigned probe_bad, probe_fp;
extern uintptr_t stub_rsp;
static char stack[65536] __attribute__((aligned(16)));
#define N 1000
static int failures;
static void expect(int c, const char *m) { if (!c) { printf("FAIL %s\n", m); failures++; exit(1); } }
extern uintptr_t stub_rsp; extern void *stub_target; extern void align_stub(void);
#define GRAB_RSP() do { } while (0)

#if defined(BOOST)
extern pair jump_fcontext(void *to, void *data);
extern void *make_fcontext(void *sp, size_t size, void (*fn)(pair));
static void fn(pair t) {
  uintptr_t d = (uintptr_t)t.b;
  expect(d == 1, "boost first data");
  for (;;) { t = probe(jump_fcontext, t.a, (void *)(d * 2), 0xB000 + d); expect((uintptr_t)t.b == d + 1, "boost data in"); d = (uintptr_t)t.b; }
}
int main(void) {
  probe_fp = 1;
  void *ctx = make_fcontext(stack + sizeof stack, sizeof stack, (void(*)(pair))align_stub); stub_target = (void*)fn;
  for (uintptr_t i = 1; i <= N; i++) {
    pair t = probe(jump_fcontext, ctx, (void *)i, 0xA000 + i * 7);
    expect((uintptr_t)t.b == i * 2, "boost data back");
    ctx = t.a;
  }
  printf("entry rsp mod 16 = %lu; ", (unsigned long)(stub_rsp % 16)); printf("boost ok, bad=%#x\n", probe_bad); return probe_bad != 0;
}
#elif defined(ACO)
extern void acosw(void *from, void *to);
static void *main_co[10], *co[10];
static void entry(void) {
  for (uintptr_t i = 0;; i++) probe(acosw, co, main_co, 0xB000 + i);
}
int main(void) {
  probe_fp = 1;
  uintptr_t top = ((uintptr_t)(stack + sizeof stack - 16)) & ~(uintptr_t)15;
  *(void **)(top - 8) = 0;
  co[4] = (void *)align_stub; stub_target = (void*)entry; co[5] = (void *)(top - 8);
  uint16_t cw; uint32_t mx; __asm__ volatile("fnstcw %0; stmxcsr %1" : "=m"(cw), "=m"(mx));
  memcpy((char *)co + 0x40, &cw, 2); memcpy((char *)co + 0x44, &mx, 4);
  for (uintptr_t i = 1; i <= N; i++) probe(acosw, main_co, co, 0xA000 + i * 7);
  printf("entry rsp mod 16 = %lu; ", (unsigned long)(stub_rsp % 16)); printf("aco ok, bad=%#x\n", probe_bad); return probe_bad != 0;
}
#elif defined(MCO)
extern int _mco_switch(void *from, void *to);
extern void _mco_wrap_main(void);
static void *ctx[8], *back[8];
static void co_main(void *arg) {
  expect(arg == (void *)0x1234, "mco arg");
  for (uintptr_t i = 0;; i++) probe(_mco_switch, ctx, back, 0xB000 + i);
}
int main(void) {
  uintptr_t sz = sizeof stack - 128;
  void **hi = (void **)((uintptr_t)stack + sz - sizeof(size_t));
  hi[0] = (void *)0xdeaddeaddeaddeadULL;
  ctx[0] = (void *)_mco_wrap_main; ctx[1] = hi; ctx[4] = (void *)align_stub; stub_target = (void*)co_main; ctx[5] = (void *)0x1234;
  for (uintptr_t i = 1; i <= N; i++) probe(_mco_switch, back, ctx, 0xA000 + i * 7);
  printf("entry rsp mod 16 = %lu; ", (unsigned long)(stub_rsp % 16)); printf("mco ok, bad=%#x\n", probe_bad); return probe_bad != 0;
}
#elif defined(LIBCO)
extern void coctx_swap(void *cur, void *pending);
static void *cur[16], *pend[16];
static void *pfn(void *s, void *s1) {
  expect(s == (void *)0x5151 && s1 == (void *)0x5252, "libco args");
  for (uintptr_t i = 0;; i++) probe(coctx_swap, pend, cur, 0xB000 + i);
  return 0;
}
int main(void) {
  char *sp = (char *)(((uintptr_t)(stack + sizeof stack - sizeof(void *))) & ~(uintptr_t)15);
  *(void **)sp = (void *)align_stub; stub_target = (void*)pfn;
  pend[13] = sp; pend[9] = (void *)align_stub; pend[7] = (void *)0x5151; pend[8] = (void *)0x5252;
  for (uintptr_t i = 1; i <= N; i++) probe(coctx_swap, cur, pend, 0xA000 + i * 7);
  printf("entry rsp mod 16 = %lu; ", (unsigned long)(stub_rsp % 16)); printf("libco ok, bad=%#x\n", probe_bad); return probe_bad != 0;
}
#endif
