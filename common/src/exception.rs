//! Exception handling's runtime objects: tags and exceptions, shared by both engines.
//!
//! A tag's identity is its address ([`TagData`], allocated once in the store and never
//! moved); an instance reaches its tags through `vmctx.tags`. An exception
//! ([`ExnData`]) is a tag and its payload, packed in 8-byte slots as values cross the
//! host boundary (one per value, two for a v128: [`crate::types::slot_offsets`]); an
//! `exnref` is its address. Compiled code reads both layouts
//! directly (offsets in [`crate::VMOffsets`]).
//!
//! Without a collector the runtime cannot know when wasm code drops the last `exnref` (a
//! table, a global or a local may hold one), so an exception that ever became a value
//! lives as long as its store. Most never do: one caught by `catch` or `catch_all` (not
//! their `_ref` forms) is freed right there, since nothing but the unwinding that just
//! ended held it. An exception is *exposed*, and kept, once it could be held anywhere
//! else: caught by `catch_ref`/`catch_all_ref`, caught by a legacy clause (`rethrow`
//! reads it), or seen by the host (any [`Exception`] handle, including an exception
//! crossing a host frame). So a loop of throws caught by `catch` runs in constant memory,
//! while one that keeps `exnref`s grows its store by one small object per throw (the
//! payload plus about 70 bytes) until the store is dropped; [`crate::StoreLimits`]'s
//! `max_exceptions` bounds that with a trap.
//!
//! A thrown exception travels through host frames as a [`Trap`] of kind
//! [`TrapKind::Exception`] carrying it ([`Thrown`]: which store, which exception; a
//! trap stays `Send`): a host function throws by returning [`Trap::throw`], and an
//! embedder catches one escaping a call with [`Store::exception`].

use std::cell::Cell;
use std::fmt;
use std::ptr::NonNull;
use std::rc::Rc;

use crate::store::{Store, StoreInner};
use crate::types::{FuncType, Val};
use crate::{Trap, TrapKind};

/// A tag's runtime object. `ty` is in store terms (concrete types are store ids).
#[repr(C)]
pub struct TagData {
    pub ty: FuncType,
    pub(crate) store: *const StoreInner,
}

/// An exception object. `values` points at `len` payload slots owned by `payload`.
#[repr(C)]
pub struct ExnData {
    pub tag: *const TagData,
    pub values: *const u64,
    pub len: u64,
    /// Non-zero once the exception may be held beyond its unwinding (see the module
    /// docs); compiled code sets it with a byte store.
    pub(crate) exposed: Cell<u8>,
    /// Its position in the store's list, for freeing it in constant time.
    index: Cell<usize>,
    payload: Box<[u64]>,
    store: *const StoreInner,
}

impl ExnData {
    /// Marks exception `raw` as held beyond its unwinding: it lives as long as its store.
    ///
    /// # Safety
    /// `raw` is a live exception.
    pub unsafe fn expose(raw: u64) {
        // SAFETY: by the contract.
        unsafe { (*(raw as *const ExnData)).exposed.set(1) }
    }

    /// Frees exception `raw`, just caught by a clause that does not keep it (`catch`,
    /// `catch_all`), unless it is exposed. Its payload must have been read already.
    ///
    /// # Safety
    /// `raw` is a live exception whose only holder is the caller (it was in flight until
    /// now, and the caller does not use it after this call unless it is exposed).
    pub unsafe fn release_caught(raw: u64) {
        // SAFETY: live by the contract; its store outlives it.
        let (data, store) = unsafe {
            let data = &*(raw as *const ExnData);
            (data, &*data.store)
        };
        if data.exposed.get() != 0 {
            return;
        }
        let mut all = store.exceptions.borrow_mut();
        let at = data.index.get();
        if !all
            .get(at)
            .is_some_and(|e| std::ptr::eq(&**e, data as *const ExnData))
        {
            debug_assert!(false, "an exception's index names another");
            return;
        }
        let freed = all.swap_remove(at);
        if let Some(moved) = all.get(at) {
            moved.index.set(at);
        }
        drop(all);
        drop(freed);
    }
}

/// A tag handle; equal handles are the same tag.
#[derive(Clone)]
pub struct Tag {
    data: NonNull<TagData>,
    store: Store,
}

impl PartialEq for Tag {
    fn eq(&self, other: &Self) -> bool {
        self.data == other.data
    }
}

impl Eq for Tag {}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({:p} {})", self.data, self.ty())
    }
}

impl Tag {
    /// A new tag of type `ty` (its results must be empty, as wasm requires), distinct from
    /// every other tag.
    pub fn new(store: &Store, ty: FuncType) -> Result<Tag, Trap> {
        if !ty.results().is_empty() {
            return Err(Trap::host(format!("a tag's type has no results, not {ty}")));
        }
        Ok(Tag {
            data: store.alloc_tag(ty),
            store: store.clone(),
        })
    }

    /// The handle of a tag this store allocated (instantiation).
    pub(crate) fn from_data(data: NonNull<TagData>, store: Store) -> Tag {
        Tag { data, store }
    }

    pub fn ty(&self) -> &FuncType {
        // SAFETY: the tag lives in the store, which this handle keeps alive.
        unsafe { &self.data.as_ref().ty }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Its identity, as `vmctx.tags` and [`ExnData::tag`] hold it.
    pub fn as_ptr(&self) -> *const TagData {
        self.data.as_ptr()
    }
}

/// An exception handle (an `exnref` that is not null).
#[derive(Clone)]
pub struct Exception {
    data: NonNull<ExnData>,
    store: Store,
}

impl PartialEq for Exception {
    fn eq(&self, other: &Self) -> bool {
        self.data == other.data
    }
}

impl Eq for Exception {}

impl fmt::Debug for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exception {:?} {:?}", self.tag(), self.payload())
    }
}

impl Exception {
    /// A new exception of `tag` with `payload`, which must match the tag's parameters.
    pub fn new(tag: &Tag, payload: &[Val]) -> Result<Exception, Trap> {
        let params = tag.ty().params();
        if payload.len() != params.len()
            || payload
                .iter()
                .zip(params)
                .any(|(v, t)| !v.matches(*t) || !v.belongs_to(&tag.store))
        {
            return Err(Trap::host(format!(
                "exception payload {payload:?} does not match the tag's type {}",
                tag.ty()
            )));
        }
        let (_, slots) = crate::types::slot_offsets(params);
        let mut bits = vec![0u64; slots];
        crate::types::write_vals(payload, &mut bits);
        let raw = tag.store.alloc_exception(tag.as_ptr(), bits)?;
        // SAFETY: just allocated in this store.
        Ok(unsafe { Exception::from_raw(raw) }.expect("non-null"))
    }

    fn data(&self) -> &ExnData {
        // SAFETY: the exception lives in the store, which this handle keeps alive.
        unsafe { self.data.as_ref() }
    }

    /// The tag it was thrown with.
    pub fn tag(&self) -> Tag {
        let tag = NonNull::new(self.data().tag as *mut TagData).expect("every exception has a tag");
        Tag::from_data(tag, self.store.clone())
    }

    /// Its payload values.
    pub fn payload(&self) -> Vec<Val> {
        let tag = self.tag();
        let data = self.data();
        // SAFETY: the payload was written from values of these types, and references in
        // it belong to this store, which is alive.
        unsafe { crate::types::read_vals(tag.ty().params(), &data.payload) }
    }

    pub fn to_raw(&self) -> u64 {
        self.data.as_ptr() as u64
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Rebuilds a handle from a raw `exnref`.
    ///
    /// # Safety
    /// `raw` must be 0 or a value from [`Exception::to_raw`] (or an engine's `exnref`)
    /// whose store is alive.
    pub unsafe fn from_raw(raw: u64) -> Option<Exception> {
        let data = NonNull::new(raw as *mut ExnData)?;
        // A handle may be kept anywhere: the exception now lives as long as its store.
        // SAFETY: live by the contract.
        unsafe { data.as_ref().exposed.set(1) };
        // SAFETY: by the contract the exception and its store are alive; the store
        // pointer was set from a live `Rc<StoreInner>` and the store outlives it.
        let store = unsafe {
            let inner = data.as_ref().store;
            Rc::increment_strong_count(inner);
            Store(Rc::from_raw(inner))
        };
        Some(Exception { data, store })
    }
}

impl Store {
    pub(crate) fn alloc_tag(&self, ty: FuncType) -> NonNull<TagData> {
        let tag = Box::new(TagData {
            ty,
            store: Rc::as_ptr(&self.0),
        });
        let ptr = NonNull::from(&*tag);
        self.0.tags.borrow_mut().push(tag);
        ptr
    }

    /// Allocates an exception of `tag` (a tag of this store) with payload slots `values`;
    /// returns its raw `exnref`. Past the store's `max_exceptions`, a trap.
    pub fn alloc_exception(&self, tag: *const TagData, values: Vec<u64>) -> Result<u64, Trap> {
        let mut all = self.0.exceptions.borrow_mut();
        if let Some(max) = self.limits().max_exceptions {
            if all.len() as u64 >= max {
                return Err(Trap::host(format!(
                    "the store already holds {max} exceptions, its limit (an exception \
                     that became a value lives as long as its store)"
                )));
            }
        }
        let payload = values.into_boxed_slice();
        let exn = Box::new(ExnData {
            tag,
            values: payload.as_ptr(),
            len: payload.len() as u64,
            exposed: Cell::new(0),
            index: Cell::new(all.len()),
            payload,
            store: Rc::as_ptr(&self.0),
        });
        let raw = &*exn as *const ExnData as u64;
        all.push(exn);
        Ok(raw)
    }
}

/// An exception in flight, as a [`Trap`] carries it: the store it belongs to and its
/// raw `exnref`. Only that store turns it back into a handle, so a trap that outlives
/// its store, or reaches another store's code, never yields a dangling reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thrown {
    store: u64,
    raw: u64,
}

impl Thrown {
    /// The raw `exnref`, if the exception belongs to `store`.
    pub fn raw_in(self, store: &Store) -> Option<u64> {
        (self.store == store.id()).then_some(self.raw)
    }
}

impl Trap {
    /// A wasm exception in flight: what a host function returns to throw `exn` into its
    /// caller, and what a call returns when one escapes it.
    pub fn throw(exn: &Exception) -> Trap {
        Trap::new(TrapKind::Exception).with_exception(Thrown {
            store: exn.store.id(),
            raw: exn.to_raw(),
        })
    }
}

impl Store {
    /// The exception a trap carries, if it is one of this store's.
    pub fn exception(&self, trap: &Trap) -> Option<Exception> {
        let raw = trap.thrown()?.raw_in(self)?;
        // SAFETY: the exception belongs to this store (its id is unique and never
        // reused), and a store frees no exception before it is dropped.
        unsafe { Exception::from_raw(raw) }
    }
}
