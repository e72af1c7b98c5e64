import { describe, expect, it } from 'vitest';
import { collectAll, type Page, type Pagination } from '../src/index.js';

function pagination(page: number, nextPage: number | null): Pagination {
  return { page, perPage: 2, previousPage: null, nextPage, lastPage: null, totalEntries: null };
}

function items(...ids: number[]): Array<{ id: number }> {
  return ids.map((id) => ({ id }));
}

describe('collectAll', () => {
  it('follows next_page until it is null', async () => {
    const pages: Record<number, Page<{ id: number }>> = {
      1: { items: items(1, 2), pagination: pagination(1, 2) },
      2: { items: items(3, 4), pagination: pagination(2, 3) },
      3: { items: items(5), pagination: pagination(3, null) },
    };
    const requested: number[] = [];
    const all = await collectAll(async (page) => {
      requested.push(page);
      return pages[page] as Page<{ id: number }>;
    });
    expect(all.map((item) => item.id)).toEqual([1, 2, 3, 4, 5]);
    expect(requested).toEqual([1, 2, 3]);
  });

  it('stops when meta is missing', async () => {
    const requested: number[] = [];
    const all = await collectAll(async (page) => {
      requested.push(page);
      return { items: items(page), pagination: null };
    });
    expect(all).toHaveLength(1);
    expect(requested).toEqual([1]);
  });

  it('stops when next_page repeats a page', async () => {
    const requested: number[] = [];
    await collectAll(async (page) => {
      requested.push(page);
      return { items: items(page * 10, page * 10 + 1), pagination: pagination(page, page === 1 ? 2 : 1) };
    });
    expect(requested).toEqual([1, 2]);
  });

  it('stops on a page that names itself as next', async () => {
    const requested: number[] = [];
    await collectAll(async (page) => {
      requested.push(page);
      return { items: items(1), pagination: pagination(page, page) };
    });
    expect(requested).toEqual([1]);
  });

  it('stops on an empty page and on a nonsense next_page', async () => {
    const empty: number[] = [];
    await collectAll(async (page) => {
      empty.push(page);
      return { items: [], pagination: pagination(page, page + 1) };
    });
    expect(empty).toEqual([1]);

    const nonsense: number[] = [];
    await collectAll(async (page) => {
      nonsense.push(page);
      return { items: items(1), pagination: { ...pagination(page, null), nextPage: 0 } };
    });
    expect(nonsense).toEqual([1]);
  });

  it('returns each id once when entries shift between pages', async () => {
    const all = await collectAll(async (page) =>
      page === 1
        ? { items: items(1, 2), pagination: pagination(1, 2) }
        : { items: items(2, 3), pagination: pagination(2, null) },
    );
    expect(all.map((item) => item.id)).toEqual([1, 2, 3]);
  });
});
