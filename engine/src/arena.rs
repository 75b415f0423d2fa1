//! The record store behind agents, groups and calls: a vector of slots
//! addressed by index, with freed slots reused last-freed first.
//!
//! It does what a slab does, and one thing more: it serializes its free
//! list. A snapshot therefore restores not just the records but which slot
//! the next record will take, so an engine restored from a snapshot goes on
//! exactly as the one that never stopped.

use serde::{Deserialize, Serialize};

/// One slot: a record, or a link in the free list.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum Slot<T> {
    Full(T),
    Free { next: Option<usize> },
}

/// Records addressed by a stable index until removed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Arena<T> {
    slots: Vec<Slot<T>>,
    free: Option<usize>,
    len: usize,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            free: None,
            len: 0,
        }
    }
}

impl<T> Arena<T> {
    /// Stores `value`; returns its index.
    pub(crate) fn insert(&mut self, value: T) -> usize {
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

    /// Removes and returns the record at `i`, if any.
    pub(crate) fn try_remove(&mut self, i: usize) -> Option<T> {
        if !self.contains(i) {
            return None;
        }
        let slot = std::mem::replace(&mut self.slots[i], Slot::Free { next: self.free });
        self.free = Some(i);
        self.len -= 1;
        match slot {
            Slot::Full(v) => Some(v),
            Slot::Free { .. } => None,
        }
    }

    /// Removes the record at `i`; `i` must hold one (internal indexes only).
    pub(crate) fn remove(&mut self, i: usize) -> T {
        match self.try_remove(i) {
            Some(v) => v,
            None => panic!("arena: no record at {i}"),
        }
    }

    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        match self.slots.get(i) {
            Some(Slot::Full(v)) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        match self.slots.get_mut(i) {
            Some(Slot::Full(v)) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn contains(&self, i: usize) -> bool {
        self.get(i).is_some()
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Records in index order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &T)> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, s)| match s {
            Slot::Full(v) => Some((i, v)),
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

impl<T> std::ops::Index<usize> for Arena<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(v) => v,
            None => panic!("arena: no record at {i}"),
        }
    }
}

impl<T> std::ops::IndexMut<usize> for Arena<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        match self.get_mut(i) {
            Some(v) => v,
            None => panic!("arena: no record at {i}"),
        }
    }
}

impl<'a, T> IntoIterator for &'a Arena<T> {
    type Item = (usize, &'a T);
    type IntoIter = Box<dyn Iterator<Item = (usize, &'a T)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_slots_are_reused_last_freed_first_and_survive_serde() {
        let mut a = Arena::default();
        let ids: Vec<usize> = (0..5).map(|i| a.insert(i)).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4]);
        assert_eq!(a.remove(1), 1);
        assert_eq!(a.remove(3), 3);
        assert_eq!(a.try_remove(3), None);
        let mut b: Arena<i32> = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert!(b.is_sound());
        assert_eq!((a.insert(10), b.insert(10)), (3, 3));
        assert_eq!((a.insert(11), b.insert(11)), (1, 1));
        assert_eq!(a.insert(12), 5);
        assert_eq!(
            b.iter().map(|(i, v)| (i, *v)).collect::<Vec<_>>(),
            [(0, 0), (1, 11), (2, 2), (3, 10), (4, 4)]
        );
        assert_eq!(a.len(), 6);
    }

    #[test]
    fn a_broken_free_list_is_not_sound() {
        let mut a = Arena::default();
        a.insert(1);
        a.insert(2);
        a.remove(0);
        let mut json: serde_json::Value = serde_json::to_value(&a).unwrap();
        json["free"] = serde_json::json!(1); // points at a full slot
        let b: Arena<i32> = serde_json::from_value(json).unwrap();
        assert!(!b.is_sound());
    }
}
