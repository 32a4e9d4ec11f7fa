import { Matrix } from "@rl/core/arrays";
import { grpoAdvantages, rlooAdvantages } from "@rl/credit";
const G=256,K=8,T=512,B=G*K;
const rewards=new Float32Array(B*T); for(let b=0;b<B;b++) rewards[b*T+T-1]=Math.random()<0.5?1:0;
const batch={tokenRewards:new Matrix(rewards,[B,T]),mask:new Matrix(new Float32Array(B*T).fill(1),[B,T]),groups:Array.from({length:B},(_,b)=>Math.floor(b/K))};
function t(f,n=40){for(let i=0;i<10;i++)f();const xs=[];for(let i=0;i<n;i++){const s=performance.now();f();xs.push(performance.now()-s);}xs.sort((a,b)=>a-b);return xs[n>>1];}
console.log("grpo",t(()=>grpoAdvantages(batch)).toFixed(3),"rloo",t(()=>rlooAdvantages(batch)).toFixed(3));
