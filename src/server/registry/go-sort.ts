// Go's sort.SliceStable (insertion sort in blocks of 20, then SymMerge), ported step for step.
// Strategic merge sorts with a comparator that is not a strict weak order, so only the very same
// algorithm reproduces kube-apiserver's list order.

type Less = (i: number, j: number) => boolean;

/** Sorts `items` in place exactly like sort.SliceStable(items, less); less reads the live array. */
export function sliceStable<T>(items: T[], less: (a: T, b: T) => boolean): void {
  const data: Data = {
    less: (i, j) => less(items[i], items[j]),
    swap: (i, j) => {
      [items[i], items[j]] = [items[j], items[i]];
    },
  };
  stable(data, items.length);
}

interface Data {
  less: Less;
  swap: (i: number, j: number) => void;
}

function stable(data: Data, n: number): void {
  let blockSize = 20;
  let a = 0;
  let b = blockSize;
  while (b <= n) {
    insertionSort(data, a, b);
    a = b;
    b += blockSize;
  }
  insertionSort(data, a, n);
  while (blockSize < n) {
    a = 0;
    b = 2 * blockSize;
    while (b <= n) {
      symMerge(data, a, a + blockSize, b);
      a = b;
      b += 2 * blockSize;
    }
    const m = a + blockSize;
    if (m < n) symMerge(data, a, m, n);
    blockSize *= 2;
  }
}

function insertionSort(data: Data, a: number, b: number): void {
  for (let i = a + 1; i < b; i++) {
    for (let j = i; j > a && data.less(j, j - 1); j--) data.swap(j, j - 1);
  }
}

const mid = (x: number, y: number) => (x + y) >>> 1;

function symMerge(data: Data, a: number, m: number, b: number): void {
  if (m - a === 1) {
    let i = m;
    let j = b;
    while (i < j) {
      const h = mid(i, j);
      if (data.less(h, a)) i = h + 1;
      else j = h;
    }
    for (let k = a; k < i - 1; k++) data.swap(k, k + 1);
    return;
  }
  if (b - m === 1) {
    let i = a;
    let j = m;
    while (i < j) {
      const h = mid(i, j);
      if (!data.less(m, h)) i = h + 1;
      else j = h;
    }
    for (let k = m; k > i; k--) data.swap(k, k - 1);
    return;
  }
  const middle = mid(a, b);
  const n = middle + m;
  let start: number;
  let r: number;
  if (m > middle) {
    start = n - b;
    r = middle;
  } else {
    start = a;
    r = m;
  }
  const p = n - 1;
  while (start < r) {
    const c = mid(start, r);
    if (!data.less(p - c, c)) start = c + 1;
    else r = c;
  }
  const end = n - start;
  if (start < m && m < end) rotate(data, start, m, end);
  if (a < start && start < middle) symMerge(data, a, start, middle);
  if (middle < end && end < b) symMerge(data, middle, end, b);
}

function rotate(data: Data, a: number, m: number, b: number): void {
  let i = m - a;
  let j = b - m;
  while (i !== j) {
    if (i > j) {
      swapRange(data, m - i, m, j);
      i -= j;
    } else {
      swapRange(data, m - i, m + j - i, i);
      j -= i;
    }
  }
  swapRange(data, m - i, m, i);
}

function swapRange(data: Data, a: number, b: number, n: number): void {
  for (let i = 0; i < n; i++) data.swap(a + i, b + i);
}
