/* Round trip caller -> strand -> caller through each switch/strand combination of rsb-switch.S,
 * called directly and from three nested (non-inlined) C frames, the way Java's downcall sits a few
 * calls deep. Medians of 9 interleaved rounds. See docs/performance.md. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
typedef struct { uint64_t r[7]; uint32_t mx, spare; } ctx;
void sw_ret(ctx*, ctx*); void sw_jmp(ctx*, ctx*); void tramp_jmp(ctx*, ctx*);
void strand_call(void); void strand_pushjmp(void);
static ctx own, st;
static char stack[65536] __attribute__((aligned(16)));
static double now(){struct timespec t; clock_gettime(CLOCK_MONOTONIC,&t); return t.tv_sec*1e9+t.tv_nsec;}
typedef void (*swfn)(ctx*,ctx*);
__attribute__((noinline)) void level3(swfn f){ f(&own,&st); }
__attribute__((noinline)) void level2(swfn f){ level3(f); asm volatile(""); }
__attribute__((noinline)) void level1(swfn f){ level2(f); asm volatile(""); }
double run(swfn f, void (*entry)(void), long n, int deep){
  uint64_t *top = (uint64_t*)(stack+sizeof stack);
  top[-1]=0; top[-2]=(uint64_t)entry;
  memset(&st,0,sizeof st); st.r[6]=(uint64_t)(top-2); st.mx=0x1f80;
  st.r[2]=(uint64_t)&st; st.r[3]=(uint64_t)&own; st.r[4]=(uint64_t)(f==tramp_jmp?sw_jmp:f);
  double t0=now();
  if (deep) for(long i=0;i<n;i++) level1(f); else for(long i=0;i<n;i++) f(&own,&st);
  return (now()-t0)/n;
}
int main(int argc,char**argv){
  long n=argc>1?atol(argv[1]):2000000;
  const char* names[]={"ret  +call  ","jmp  +call  ","ret  +pushjmp","jmp  +pushjmp","tramp+pushjmp"};
  swfn fs[]={sw_ret,sw_jmp,sw_ret,sw_jmp,tramp_jmp}; void (*es[])(void)={strand_call,strand_call,strand_pushjmp,strand_pushjmp,strand_pushjmp};
  double res[2][5][9];
  for(int r=0;r<9;r++) for(int d=0;d<2;d++) for(int k=0;k<5;k++) res[d][k][r]=run(fs[k],es[k],n,d);
  for(int d=0;d<2;d++) for(int k=0;k<5;k++){ double *v=res[d][k]; for(int i=0;i<9;i++)for(int j=i+1;j<9;j++) if(v[j]<v[i]){double t=v[i];v[i]=v[j];v[j]=t;}
    printf("%s %s: median %.2f ns/round trip (min %.2f)\n", d?"3-deep":"direct", names[k], v[4], v[0]); }
}
