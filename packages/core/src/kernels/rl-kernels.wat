;; Fused RL kernels for @rl/core, f32x4 SIMD. Source of rl-kernels.wasm.generated.ts
;; (regenerate with `node scripts/build-rl-kernels.mjs`; see docs/core-decisions.md).
;;
;; The module allocates nothing: every pointer is a byte offset into the imported memory,
;; which is the tfjs wasm backend's own heap (inputs read in place, outputs written into
;; tensors the backend has already allocated). All rows are `v` contiguous float32.
;;
;; Per row, with y = x * invT:  m = max y;  s = sum exp(y - m);  lse = m + log s.
;; The row is read twice (max, then the exp sum); a row of 32,000 floats (128 KB) stays in
;; cache between the two reads.
(module
  (import "env" "memory" (memory 1))

  ;; exp on four lanes: x = k ln2 + r, |r| <= ln2/2, e^r by a degree-6 polynomial (Cephes
  ;; expf coefficients), 2^k built in the exponent bits. Inputs are clamped to
  ;; [-87.33, 88.37], so e^x is never denormal (tiny values come out ~1e-38, not 0).
  ;; NaN propagates (f32x4.max/min are NaN-propagating).
  (func $expv (param $x v128) (result v128)
    (local $k v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -87.3365 -87.3365 -87.3365 -87.3365))
                             (v128.const f32x4 88.3762 88.3762 88.3762 88.3762)))
    (local.set $k (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $x) (f32x4.mul (local.get $k) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
      (f32x4.mul (local.get $k) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $p (f32x4.add
      (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r))
      (v128.const f32x4 1 1 1 1)))
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

  (func $exp1 (param $x f32) (result f32)
    (f32x4.extract_lane 0 (call $expv (f32x4.splat (local.get $x)))))

  ;; natural log in f64 for s >= 1 (one call per row): s = 2^e f, f in [sqrt(1/2), sqrt 2),
  ;; log f = 2 atanh t, t = (f - 1)/(f + 1), series to t^13 (error < 1e-12).
  (func $log64 (param $s f64) (result f64)
    (local $bits i64) (local $e f64) (local $f f64) (local $t f64) (local $t2 f64)
    (local.set $bits (i64.reinterpret_f64 (local.get $s)))
    (local.set $e (f64.convert_i64_s (i64.sub (i64.and (i64.shr_u (local.get $bits) (i64.const 52)) (i64.const 0x7ff)) (i64.const 1023))))
    (local.set $f (f64.reinterpret_i64 (i64.or (i64.and (local.get $bits) (i64.const 0x000fffffffffffff)) (i64.const 0x3ff0000000000000))))
    (if (f64.gt (local.get $f) (f64.const 1.4142135623730951))
      (then (local.set $f (f64.mul (local.get $f) (f64.const 0.5)))
            (local.set $e (f64.add (local.get $e) (f64.const 1)))))
    (local.set $t (f64.div (f64.sub (local.get $f) (f64.const 1)) (f64.add (local.get $f) (f64.const 1))))
    (local.set $t2 (f64.mul (local.get $t) (local.get $t)))
    (f64.add
      (f64.mul (local.get $e) (f64.const 0.6931471805599453))
      (f64.mul (f64.mul (f64.const 2) (local.get $t))
        (f64.add (f64.const 1) (f64.mul (local.get $t2)
        (f64.add (f64.const 0.3333333333333333) (f64.mul (local.get $t2)
        (f64.add (f64.const 0.2) (f64.mul (local.get $t2)
        (f64.add (f64.const 0.14285714285714285) (f64.mul (local.get $t2)
        (f64.add (f64.const 0.1111111111111111) (f64.mul (local.get $t2)
        (f64.add (f64.const 0.09090909090909091) (f64.mul (local.get $t2)
                 (f64.const 0.07692307692307693))))))))))))))))

  ;; max of v floats at p (NaN if any is NaN; -inf for v = 0)
  (func $rowmax (param $p i32) (param $v i32) (result f32)
    (local $acc v128) (local $end i32) (local $m f32)
    (local.set $acc (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $v) (i32.const -4)) (i32.const 2))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $acc (f32x4.max (local.get $acc) (v128.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $l)))
    (local.set $m (f32.max (f32.max (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                           (f32.max (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $v) (i32.const 3)) (i32.const 2))))
    (block $done2 (loop $l2
      (br_if $done2 (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $m (f32.max (local.get $m) (f32.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $l2)))
    (local.get $m))

  (global $sumT (mut f32) (f32.const 0))

  ;; s = sum exp(x invT - m) over v floats at p; with $withT, also sets $sumT to
  ;; sum exp(x invT - m) (x invT - m). Two vector accumulators each.
  (func $rowsum (param $p i32) (param $v i32) (param $invT f32) (param $m f32) (param $withT i32) (result f32)
    (local $vi v128) (local $vm v128) (local $a0 v128) (local $a1 v128) (local $t0 v128) (local $t1 v128)
    (local $y v128) (local $e v128) (local $end i32) (local $end8 i32) (local $s f32) (local $t f32) (local $ys f32) (local $es f32)
    (local.set $vi (f32x4.splat (local.get $invT)))
    (local.set $vm (f32x4.splat (local.get $m)))
    (local.set $end8 (i32.add (local.get $p) (i32.shl (i32.and (local.get $v) (i32.const -8)) (i32.const 2))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $p) (local.get $end8)))
      (local.set $y (f32x4.sub (f32x4.mul (v128.load (local.get $p)) (local.get $vi)) (local.get $vm)))
      (local.set $e (call $expv (local.get $y)))
      (local.set $a0 (f32x4.add (local.get $a0) (local.get $e)))
      (if (local.get $withT) (then (local.set $t0 (f32x4.add (local.get $t0) (f32x4.mul (local.get $e) (local.get $y))))))
      (local.set $y (f32x4.sub (f32x4.mul (v128.load offset=16 (local.get $p)) (local.get $vi)) (local.get $vm)))
      (local.set $e (call $expv (local.get $y)))
      (local.set $a1 (f32x4.add (local.get $a1) (local.get $e)))
      (if (local.get $withT) (then (local.set $t1 (f32x4.add (local.get $t1) (f32x4.mul (local.get $e) (local.get $y))))))
      (local.set $p (i32.add (local.get $p) (i32.const 32)))
      (br $l)))
    (local.set $a0 (f32x4.add (local.get $a0) (local.get $a1)))
    (local.set $t0 (f32x4.add (local.get $t0) (local.get $t1)))
    (local.set $s (f32.add (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
                           (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
    (local.set $t (f32.add (f32.add (f32x4.extract_lane 0 (local.get $t0)) (f32x4.extract_lane 1 (local.get $t0)))
                           (f32.add (f32x4.extract_lane 2 (local.get $t0)) (f32x4.extract_lane 3 (local.get $t0)))))
    (local.set $end (i32.add (local.get $end8) (i32.shl (i32.and (local.get $v) (i32.const 7)) (i32.const 2))))
    (block $done2 (loop $l2
      (br_if $done2 (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $ys (f32.sub (f32.mul (f32.load (local.get $p)) (local.get $invT)) (local.get $m)))
      (local.set $es (call $exp1 (local.get $ys)))
      (local.set $s (f32.add (local.get $s) (local.get $es)))
      (local.set $t (f32.add (local.get $t) (f32.mul (local.get $es) (local.get $ys))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $l2)))
    (global.set $sumT (local.get $t))
    (local.get $s))

  ;; g[j] = scale * exp(x[j] invT - shift) * (withMu ? (mu - x[j] invT) : 1) over v floats
  (func $rowexp (param $x i32) (param $g i32) (param $v i32) (param $invT f32) (param $shift f32) (param $scale f32) (param $withMu i32) (param $mu f32)
    (local $vi v128) (local $vs v128) (local $vc v128) (local $vmu v128) (local $y v128) (local $e v128) (local $end i32) (local $ys f32) (local $es f32)
    (local.set $vi (f32x4.splat (local.get $invT)))
    (local.set $vs (f32x4.splat (local.get $shift)))
    (local.set $vc (f32x4.splat (local.get $scale)))
    (local.set $vmu (f32x4.splat (local.get $mu)))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $v) (i32.const -4)) (i32.const 2))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $y (f32x4.mul (v128.load (local.get $x)) (local.get $vi)))
      (local.set $e (f32x4.mul (call $expv (f32x4.sub (local.get $y) (local.get $vs))) (local.get $vc)))
      (if (local.get $withMu) (then (local.set $e (f32x4.mul (local.get $e) (f32x4.sub (local.get $vmu) (local.get $y))))))
      (v128.store (local.get $g) (local.get $e))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (br $l)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $v) (i32.const 3)) (i32.const 2))))
    (block $done2 (loop $l2
      (br_if $done2 (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $ys (f32.mul (f32.load (local.get $x)) (local.get $invT)))
      (local.set $es (f32.mul (call $exp1 (f32.sub (local.get $ys) (local.get $shift))) (local.get $scale)))
      (if (local.get $withMu) (then (local.set $es (f32.mul (local.get $es) (f32.sub (local.get $mu) (local.get $ys))))))
      (f32.store (local.get $g) (local.get $es))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $g (i32.add (local.get $g) (i32.const 4)))
      (br $l2)))
  )

  ;; lp[i] = x[i, ids[i]] invT - lse_i ; lse[i] = lse_i
  (func (export "gather_fwd") (param $x i32) (param $ids i32) (param $n i32) (param $v i32) (param $invT f32) (param $lp i32) (param $lse i32)
    (local $i i32) (local $row i32) (local $m f32) (local $l f64)
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $row (i32.add (local.get $x) (i32.mul (i32.mul (local.get $i) (local.get $v)) (i32.const 4))))
      (local.set $m (f32.mul (call $rowmax (local.get $row) (local.get $v)) (local.get $invT)))
      (local.set $l (f64.add (f64.promote_f32 (local.get $m))
        (call $log64 (f64.promote_f32 (call $rowsum (local.get $row) (local.get $v) (local.get $invT) (local.get $m) (i32.const 0))))))
      (f32.store (i32.add (local.get $lse) (i32.shl (local.get $i) (i32.const 2))) (f32.demote_f64 (local.get $l)))
      (f32.store (i32.add (local.get $lp) (i32.shl (local.get $i) (i32.const 2)))
        (f32.demote_f64 (f64.sub
          (f64.promote_f32 (f32.mul (local.get $invT)
            (f32.load (i32.add (local.get $row) (i32.shl (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 2))))))
          (local.get $l))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))

  ;; g[i, :] = (onehot(ids[i]) - exp(x invT - lse[i])) dy[i] invT
  (func (export "gather_bwd") (param $x i32) (param $ids i32) (param $lse i32) (param $dy i32) (param $n i32) (param $v i32) (param $invT f32) (param $g i32)
    (local $i i32) (local $off i32) (local $c f32) (local $at i32)
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $off (i32.mul (i32.mul (local.get $i) (local.get $v)) (i32.const 4)))
      (local.set $c (f32.mul (f32.load (i32.add (local.get $dy) (i32.shl (local.get $i) (i32.const 2)))) (local.get $invT)))
      (call $rowexp (i32.add (local.get $x) (local.get $off)) (i32.add (local.get $g) (local.get $off)) (local.get $v) (local.get $invT)
        (f32.load (i32.add (local.get $lse) (i32.shl (local.get $i) (i32.const 2)))) (f32.neg (local.get $c)) (i32.const 0) (f32.const 0))
      (local.set $at (i32.add (i32.add (local.get $g) (local.get $off))
        (i32.shl (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 2))))
      (f32.store (local.get $at) (f32.add (f32.load (local.get $at)) (local.get $c)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))

  ;; y = x invT: h[i] = lse_i - E_p[y], lse[i] = lse_i, mu[i] = E_p[y]
  ;; (computed as h = log s - t/s with t = sum e (y - m): no cancellation for large logits)
  (func (export "entropy_fwd") (param $x i32) (param $n i32) (param $v i32) (param $invT f32) (param $h i32) (param $lse i32) (param $mu i32)
    (local $i i32) (local $row i32) (local $m f32) (local $s f32) (local $ls f64) (local $mt f64) (local $o i32)
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $row (i32.add (local.get $x) (i32.mul (i32.mul (local.get $i) (local.get $v)) (i32.const 4))))
      (local.set $m (f32.mul (call $rowmax (local.get $row) (local.get $v)) (local.get $invT)))
      (local.set $s (call $rowsum (local.get $row) (local.get $v) (local.get $invT) (local.get $m) (i32.const 1)))
      (local.set $ls (call $log64 (f64.promote_f32 (local.get $s))))
      (local.set $mt (f64.div (f64.promote_f32 (global.get $sumT)) (f64.promote_f32 (local.get $s))))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (f32.store (i32.add (local.get $h) (local.get $o)) (f32.demote_f64 (f64.sub (local.get $ls) (local.get $mt))))
      (f32.store (i32.add (local.get $lse) (local.get $o)) (f32.demote_f64 (f64.add (f64.promote_f32 (local.get $m)) (local.get $ls))))
      (f32.store (i32.add (local.get $mu) (local.get $o)) (f32.demote_f64 (f64.add (f64.promote_f32 (local.get $m)) (local.get $mt))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))

  ;; g[i, :] = dy[i] invT p (mu[i] - x invT), p = exp(x invT - lse[i])
  (func (export "entropy_bwd") (param $x i32) (param $lse i32) (param $mu i32) (param $dy i32) (param $n i32) (param $v i32) (param $invT f32) (param $g i32)
    (local $i i32) (local $off i32) (local $o i32)
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $off (i32.mul (i32.mul (local.get $i) (local.get $v)) (i32.const 4)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (call $rowexp (i32.add (local.get $x) (local.get $off)) (i32.add (local.get $g) (local.get $off)) (local.get $v) (local.get $invT)
        (f32.load (i32.add (local.get $lse) (local.get $o)))
        (f32.mul (f32.load (i32.add (local.get $dy) (local.get $o))) (local.get $invT))
        (i32.const 1) (f32.load (i32.add (local.get $mu) (local.get $o))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))
)
