import { AppError, badRequest, notFound } from '@skillancer/service-kit';
import type { ImageIntake } from './image-intake.js';
import { PORTFOLIO_VARIANTS } from './image-policy.js';
import type { MediaOwner, VariantLinks } from './media-objects.js';
import type { PortfolioItemRecord, PortfolioRepository } from './portfolio-repository.js';

/** Items one user may keep in a portfolio. */
export const MAX_PORTFOLIO_ITEMS = 100;

/** A portfolio item as the API returns it. */
export interface PortfolioItemView {
  id: string;
  title: string;
  description: string;
  position: number;
  image: (VariantLinks & { id: string; sourceType: string; updatedAt: Date }) | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Portfolio items of the calling user; another user's item is reported as not found. */
export class PortfolioService {
  constructor(
    private readonly intake: ImageIntake,
    private readonly items: PortfolioRepository,
  ) {}

  async create(owner: MediaOwner, input: { title: string; description: string }): Promise<PortfolioItemView> {
    const item = await this.items.create(owner.tenantId, owner.userId, input, MAX_PORTFOLIO_ITEMS);
    if (item === undefined) {
      throw new AppError(
        409,
        'portfolio_full',
        `A portfolio holds at most ${MAX_PORTFOLIO_ITEMS} items; delete one before adding another`,
      );
    }
    return this.view(item);
  }

  async list(owner: MediaOwner): Promise<PortfolioItemView[]> {
    const items = await this.items.list(owner.tenantId, owner.userId);
    return Promise.all(items.map((item) => this.view(item)));
  }

  async get(owner: MediaOwner, itemId: string): Promise<PortfolioItemView> {
    const item = await this.items.find(owner.tenantId, owner.userId, itemId);
    if (item === undefined) {
      throw notFound('Portfolio item');
    }
    return this.view(item);
  }

  /**
   * Stores the image's variants, then sets them on the item, then deletes the image it replaced.
   * The item is checked first, so an upload for a missing item stores nothing. When the item is
   * deleted while its upload runs, the new objects are deleted again.
   */
  async setImage(owner: MediaOwner, itemId: string, bytes: Buffer): Promise<PortfolioItemView> {
    await this.get(owner, itemId);
    const image = await this.intake.ingest(owner, 'portfolio-image', bytes, PORTFOLIO_VARIANTS);
    const result = await this.intake.commitOrDiscard(image, async () => {
      const updated = await this.items.setImage(owner.tenantId, owner.userId, itemId, image);
      if (updated === undefined) {
        throw notFound('Portfolio item');
      }
      return updated;
    });
    if (result.previous !== null) {
      await this.intake.objects.deleteVariants(result.previous.variants, 'replaced portfolio image');
    }
    return this.view(result.item);
  }

  /** Reorders the items. Throws 400 `invalid_order` unless `itemIds` lists every item of the user once. */
  async reorder(owner: MediaOwner, itemIds: readonly string[]): Promise<PortfolioItemView[]> {
    const normalized = itemIds.map((id) => id.toLowerCase());
    const items = await this.items.reorder(owner.tenantId, owner.userId, normalized);
    if (items === undefined) {
      throw badRequest(
        'invalid_order',
        'itemIds must list each of your portfolio items exactly once; get the current list from GET /portfolio',
        { field: 'body.itemIds' },
      );
    }
    return Promise.all(items.map((item) => this.view(item)));
  }

  /** Deletes the item, then its image objects. */
  async remove(owner: MediaOwner, itemId: string): Promise<void> {
    const item = await this.items.remove(owner.tenantId, owner.userId, itemId);
    if (item === undefined) {
      throw notFound('Portfolio item');
    }
    if (item.image !== null) {
      await this.intake.objects.deleteVariants(item.image.variants, 'deleted portfolio item');
    }
  }

  private async view(item: PortfolioItemRecord): Promise<PortfolioItemView> {
    const image =
      item.image === null
        ? null
        : {
            id: item.image.objectId,
            sourceType: item.image.sourceType,
            updatedAt: item.image.updatedAt,
            ...(await this.intake.objects.links(item.image.variants)),
          };
    return {
      id: item.id,
      title: item.title,
      description: item.description,
      position: item.position,
      image,
      createdAt: item.createdAt,
      updatedAt: item.updatedAt,
    };
  }
}
