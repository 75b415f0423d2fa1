//! The record store behind agents, groups and calls: a vector of slots
//! addressed by index, with freed slots reused last-freed first.
//!
//! It does what a slab does, and one thing more: it serializes its free
//! list. A snapshot therefore restores not just the records but which slot
//! the next record will take, so an engine restored from a snapshot goes on
//! exactly as the one that never stopped.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;

/// An index into one kind of [`Arena`]. Implemented by the newtypes of
/// [`slab_index!`], so that an agent index can never address a call.
pub(crate) trait SlabIndex: Copy {
    /// The index of slot `i`.
    fn from_slot(i: usize) -> Self;
    /// The slot this index addresses.
    fn slot(self) -> usize;
}

/// Declares a slab index newtype. It serializes as a bare number, the
/// layout of snapshot schema 1, where indexes were plain integers.
macro_rules! slab_index {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub(crate) struct $name(u32);

        impl $crate::arena::SlabIndex for $name {
            fn from_slot(i: usize) -> Self {
                Self(u32::try_from(i).expect("fewer than 2^32 records"))
            }
            fn slot(self) -> usize {
                self.0 as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}#{}", stringify!($name), self.0)
            }
        }
    };
}
pub(crate) use slab_index;

/// One slot: a record, or a link in the free list.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum Slot<T> {
    Full(T),
    Free { next: Option<usize> },
}

/// Records addressed by a stable index of type `I` until removed.
#[derive(Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: Deserialize<'de>"))]
pub(crate) struct Arena<I, T> {
    slots: Vec<Slot<T>>,
    free: Option<usize>,
    len: usize,
    #[serde(skip)]
    index: PhantomData<fn() -> I>,
}

impl<I, T: Clone> Clone for Arena<I, T> {
    fn clone(&self) -> Self {
        Self {
            slots: self.slots.clone(),
            free: self.free,
            len: self.len,
            index: PhantomData,
        }
    }
}

impl<I, T: fmt::Debug> fmt::Debug for Arena<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Arena")
            .field("slots", &self.slots)
            .field("free", &self.free)
            .field("len", &self.len)
            .finish()
    }
}

impl<I, T> Default for Arena<I, T> {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            free: None,
            len: 0,
            index: PhantomData,
        }
    }
}

impl<I: SlabIndex, T> Arena<I, T> {
    /// Stores `value`; returns its index.
    pub(crate) fn insert(&mut self, value: T) -> I {
        I::from_slot(self.insert_slot(value))
    }

    fn insert_slot(&mut self, value: T) -> usize {
        self.len += 1;
        match self.free {
            Some(i) => {
                let slot = std::mem::replace(&mut self.slots[i], Slot::Full(value));
                self.free = match slot {
                    Slot::Free { next } => next,
                    Slot::Full(_) => None, // unreachable by construction
                };
                i
            }
            None => {
                self.slots.push(Slot::Full(value));
                self.slots.len() - 1
            }
        }
    }

    /// Makes room for `more` records beyond the free slots without growing
    /// again: a configuration of known size is loaded without the slack of
    /// growth by doubling (the slots are the records themselves).
    pub(crate) fn reserve_exact(&mut self, more: usize) {
        self.slots.reserve_exact(more);
    }

    /// Gives back spare slots (after a snapshot is loaded: a list read
    /// from JSON grows by doubling).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.slots.shrink_to_fit();
    }

    /// Removes and returns the record at `i`, if any.
    pub(crate) fn try_remove(&mut self, i: I) -> Option<T> {
        if !self.contains(i) {
            return None;
        }
        let i = i.slot();
        let slot = std::mem::replace(&mut self.slots[i], Slot::Free { next: self.free });
        self.free = Some(i);
        self.len -= 1;
        match slot {
            Slot::Full(v) => Some(v),
            Slot::Free { .. } => None,
        }
    }

    /// Drops the record at `i` where it lies, without moving it out (a
    /// call record is several cache lines); `i` must hold one.
    pub(crate) fn delete(&mut self, i: I) {
        assert!(self.contains(i), "arena: no record at {}", i.slot());
        let i = i.slot();
        self.slots[i] = Slot::Free { next: self.free };
        self.free = Some(i);
        self.len -= 1;
    }

    /// Removes the record at `i`; `i` must hold one (internal indexes only).
    pub(crate) fn remove(&mut self, i: I) -> T {
        match self.try_remove(i) {
            Some(v) => v,
            None => panic!("arena: no record at {}", i.slot()),
        }
    }

    pub(crate) fn get(&self, i: I) -> Option<&T> {
        match self.slots.get(i.slot()) {
            Some(Slot::Full(v)) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn get_mut(&mut self, i: I) -> Option<&mut T> {
        match self.slots.get_mut(i.slot()) {
            Some(Slot::Full(v)) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn contains(&self, i: I) -> bool {
        self.get(i).is_some()
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Every record, mutably, in index order.
    pub(crate) fn slots_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.slots.iter_mut().filter_map(|s| match s {
            Slot::Full(v) => Some(v),
            Slot::Free { .. } => None,
        })
    }

    /// Records in index order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (I, &T)> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, s)| match s {
            Slot::Full(v) => Some((I::from_slot(i), v)),
            Slot::Free { .. } => None,
        })
    }

    /// Whether the free list and count agree with the slots (checked when
    /// a snapshot is loaded).
    pub(crate) fn is_sound(&self) -> bool {
        let mut seen = 0;
        let mut next = self.free;
        while let Some(i) = next {
            seen += 1;
            match self.slots.get(i) {
                Some(Slot::Free { next: n }) if seen <= self.slots.len() => next = *n,
                _ => return false,
            }
        }
        let full = self
            .slots
            .iter()
            .filter(|s| matches!(s, Slot::Full(_)))
            .count();
        full == self.len && full + seen == self.slots.len()
    }
}

impl<I: SlabIndex, T> std::ops::Index<I> for Arena<I, T> {
    type Output = T;
    fn index(&self, i: I) -> &T {
        match self.get(i) {
            Some(v) => v,
            None => panic!("arena: no record at {}", i.slot()),
        }
    }
}

impl<I: SlabIndex, T> std::ops::IndexMut<I> for Arena<I, T> {
    fn index_mut(&mut self, i: I) -> &mut T {
        match self.get_mut(i) {
            Some(v) => v,
            None => panic!("arena: no record at {}", i.slot()),
        }
    }
}

impl<'a, I: SlabIndex + 'a, T> IntoIterator for &'a Arena<I, T> {
    type Item = (I, &'a T);
    type IntoIter = Box<dyn Iterator<Item = (I, &'a T)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// Records addressed by index that are never removed (tenants): a vector
/// with a typed index. Serializes as a plain sequence.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct IndexVec<I, T> {
    items: Vec<T>,
    #[serde(skip)]
    index: PhantomData<fn() -> I>,
}

impl<I, T> Default for IndexVec<I, T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            index: PhantomData,
        }
    }
}

impl<I: SlabIndex, T> IndexVec<I, T> {
    /// Appends `value`; returns its index.
    pub(crate) fn push(&mut self, value: T) -> I {
        self.items.push(value);
        I::from_slot(self.items.len() - 1)
    }

    pub(crate) fn contains(&self, i: I) -> bool {
        i.slot() < self.items.len()
    }

    /// Records in index order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.items.iter()
    }

    /// Records with their indexes.
    pub(crate) fn iter_enumerated(&self) -> impl Iterator<Item = (I, &T)> + '_ {
        self.items
            .iter()
            .enumerate()
            .map(|(i, v)| (I::from_slot(i), v))
    }
}

impl<'a, I, T> IntoIterator for &'a IndexVec<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<I: SlabIndex, T> std::ops::Index<I> for IndexVec<I, T> {
    type Output = T;
    fn index(&self, i: I) -> &T {
        &self.items[i.slot()]
    }
}

impl<I: SlabIndex, T> std::ops::IndexMut<I> for IndexVec<I, T> {
    fn index_mut(&mut self, i: I) -> &mut T {
        &mut self.items[i.slot()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    slab_index!(
        /// Index of the test arenas.
        Ix
    );
    fn ix(i: usize) -> Ix {
        Ix::from_slot(i)
    }

    #[test]
    fn freed_slots_are_reused_last_freed_first_and_survive_serde() {
        let mut a = Arena::<Ix, i32>::default();
        let ids: Vec<usize> = (0..5).map(|i| a.insert(i).slot()).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4]);
        assert_eq!(a.remove(ix(1)), 1);
        assert_eq!(a.remove(ix(3)), 3);
        assert_eq!(a.try_remove(ix(3)), None);
        let mut b: Arena<Ix, i32> =
            serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert!(b.is_sound());
        assert_eq!((a.insert(10), b.insert(10)), (ix(3), ix(3)));
        assert_eq!((a.insert(11), b.insert(11)), (ix(1), ix(1)));
        assert_eq!(a.insert(12), ix(5));
        assert_eq!(
            b.iter().map(|(i, v)| (i.slot(), *v)).collect::<Vec<_>>(),
            [(0, 0), (1, 11), (2, 2), (3, 10), (4, 4)]
        );
        assert_eq!(a.len(), 6);
    }

    #[test]
    fn a_broken_free_list_is_not_sound() {
        let mut a = Arena::<Ix, i32>::default();
        a.insert(1);
        a.insert(2);
        a.remove(ix(0));
        let mut json: serde_json::Value = serde_json::to_value(&a).unwrap();
        json["free"] = serde_json::json!(1); // points at a full slot
        let b: Arena<Ix, i32> = serde_json::from_value(json).unwrap();
        assert!(!b.is_sound());
    }
}
