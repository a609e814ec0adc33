;; A list search as CoreMark writes it (core_list_find by index): the whole loop is one
;; slot-register run (build.rs BOUND_RUNS) with an exit in its middle: a node whose
;; record matches leaves the run through its compare-and-branch, the end of the list
;; through the loop's own branch.
(module
  (memory 1)
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
)
