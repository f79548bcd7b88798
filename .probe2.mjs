import { Tokenizer } from '@huggingface/tokenizers';
import ort from 'onnxruntime-node';
import fs from 'node:fs';
const tj = JSON.parse(fs.readFileSync('/tmp/minilm-x/all-minilm-l6-v2-q-tokenizer.json','utf8'));
const t = new Tokenizer(tj, {});
const s = await ort.InferenceSession.create('/tmp/minilm-x/all-minilm-l6-v2-q.onnx', {intraOpNumThreads:1, interOpNumThreads:1, graphOptimizationLevel:'all'});
const words = 'slept well felt calm anxious tired went running meditated ten minutes work long day stressed happy friends dinner walk park journal gratitude exam nervous'.split(' ');
function rnd(i){ let x=i*2654435761>>>0; const n=6+(x%10); const w=[]; for(let k=0;k<n;k++){x=(x*1103515245+12345)>>>0; w.push(words[x%words.length]);} return w.join(' '); }
const texts = Array.from({length:640},(_,i)=>rnd(i));
async function run(batch){
  const enc = batch.map(x=>t.encode(x));
  const L = Math.max(...enc.map(e=>e.ids.length));
  const B=batch.length; const ids=new BigInt64Array(B*L), am=new BigInt64Array(B*L), tt=new BigInt64Array(B*L);
  enc.forEach((e,b)=>{e.ids.forEach((v,j)=>{ids[b*L+j]=BigInt(v);am[b*L+j]=1n;});});
  const out = await s.run({input_ids:new ort.Tensor('int64',ids,[B,L]),attention_mask:new ort.Tensor('int64',am,[B,L]),token_type_ids:new ort.Tensor('int64',tt,[B,L])});
  const h = out.last_hidden_state.data; const D=384; const res=[];
  for(let b=0;b<B;b++){const v=new Float32Array(D);let c=0;for(let j=0;j<L;j++){if(am[b*L+j]===0n)continue;c++;for(let d=0;d<D;d++)v[d]+=h[(b*L+j)*D+d];}let n=0;for(let d=0;d<D;d++){v[d]/=c;n+=v[d]*v[d];}n=Math.sqrt(n);for(let d=0;d<D;d++)v[d]/=n;res.push(v);}
  return res;
}
await run(texts.slice(0,32));
for (const bs of [1,8,32,64]) { const t0=performance.now(); for(let i=0;i<texts.length;i+=bs) await run(texts.slice(i,i+bs)); const dt=performance.now()-t0; console.log('bs',bs,(texts.length/dt*1000).toFixed(0),'texts/s'); }
const a = (await run([texts[0]]))[0]; const b=(await run(texts.slice(0,32)))[0]; const c=(await run([texts[0], 'a much longer text about something completely different with many many words to force padding and different activation ranges 12345 !!!']))[0];
let mx=0,mx2=0,dot=0; for(let d=0;d<384;d++){mx=Math.max(mx,Math.abs(a[d]-b[d]));mx2=Math.max(mx2,Math.abs(a[d]-c[d]));dot+=a[d]*c[d];} console.log('maxdiff single vs batch32',mx,'vs padded pair',mx2,'cos',dot);
