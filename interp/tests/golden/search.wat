;; Loops as CoreMark writes them that run whole in one slot-register handler (build.rs
;; BOUND_RUNS). The list searches (core_list_find by index and by value) have an exit
;; in their middle: a node whose record matches leaves the run through its
;; compare-and-branch, the end of the list through the loop's own branch. The clipped
;; sum is matrix_sum's inner loop, its branches turned into selects.
(module
  (memory (export "memory") 1)
  ;; Nodes of 12 bytes (next at +4, record at +8) at 100, 112, 124; records' indices at
  ;; +4 of 200, 210, 220.
  (data (i32.const 100) "\00\00\00\00\70\00\00\00\c8\00\00\00")
  (data (i32.const 112) "\00\00\00\00\7c\00\00\00\d2\00\00\00")
  (data (i32.const 124) "\00\00\00\00\00\00\00\00\dc\00\00\00")
  (data (i32.const 204) "\07\00")
  (data (i32.const 214) "\09\00")
  (data (i32.const 224) "\34\12")
  (func $find (export "find") (param $p i32) (param $key i32) (result i32) (local $x i32)
    (block $done
      (loop $next
        (br_if $done
          (i32.eq
            (local.tee $x (i32.load16_u offset=4 (i32.load offset=8 (local.get $p))))
            (i32.and (local.get $key) (i32.const 65535))))
        (br_if $next (local.tee $p (i32.load offset=4 (local.get $p))))))
    (local.get $p))
  (func $find_value (export "find_value") (param $p i32) (param $key i32) (result i32)
    (local $x i32)
    (block $done
      (loop $next
        (local.set $x (i32.load8_u offset=4 (i32.load offset=8 (local.get $p))))
        (br_if $done
          (i32.eqz (i32.xor (i32.and (local.get $key) (i32.const 255)) (local.get $x))))
        (br_if $next (local.tee $p (i32.load offset=4 (local.get $p))))))
    (local.get $p))
  ;; Over `n` (> 0) words from `p`: adds each to a running sum, and counts 10 where the
  ;; sum passes `clip` (and restarts it), else 1 where the word is above the one before.
  (func $clipped_sum (export "clipped_sum")
    (param $p i32) (param $n i32) (param $clip i32) (result i32)
    (local $v i32) (local $cur i32) (local $prev i32) (local $ret i32) (local $over i32)
    (loop $next
      (local.set $v (i32.load (local.get $p)))
      (local.set $cur (i32.add (local.get $v) (local.get $cur)))
      (local.set $over (i32.gt_s (local.get $cur) (local.get $clip)))
      (local.set $cur (select (i32.const 0) (local.get $cur) (local.get $over)))
      (local.set $ret
        (i32.add
          (select (i32.const 10) (i32.gt_s (local.get $v) (local.get $prev)) (local.get $over))
          (local.get $ret)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (local.set $prev (local.get $v))
      (br_if $next (local.tee $n (i32.add (local.get $n) (i32.const -1)))))
    (local.get $ret))
)
