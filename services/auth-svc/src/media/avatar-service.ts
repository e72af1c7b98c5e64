import { notFound } from '@skillancer/service-kit';
import type { AvatarRecord, AvatarRepository } from './avatar-repository.js';
import type { ImageIntake } from './image-intake.js';
import { AVATAR_VARIANTS } from './image-policy.js';
import type { MediaOwner, VariantLinks } from './media-objects.js';

/** An avatar as the API returns it. */
export interface AvatarView extends VariantLinks {
  id: string;
  sourceType: string;
  updatedAt: Date;
}

/** Uploads, replaces, links and deletes the avatar of the calling user. */
export class AvatarService {
  constructor(
    private readonly intake: ImageIntake,
    private readonly avatars: AvatarRepository,
  ) {}

  /**
   * Stores the new avatar's variants, then points the user's row at them, then deletes the previous
   * variants. When any step fails, the previous avatar stays as it was.
   */
  async replace(owner: MediaOwner, bytes: Buffer): Promise<AvatarView> {
    const image = await this.intake.ingest(owner, 'avatar', bytes, AVATAR_VARIANTS);
    const { current, previous } = await this.intake.commitOrDiscard(image, () =>
      this.avatars.replace(owner.tenantId, owner.userId, image),
    );
    if (previous !== undefined) {
      await this.intake.objects.deleteVariants(previous.variants, 'replaced avatar');
    }
    return this.view(current);
  }

  /** Returns the avatar with fresh URLs; 404 `not_found` when the user has none. */
  async get(owner: MediaOwner): Promise<AvatarView> {
    const avatar = await this.avatars.find(owner.tenantId, owner.userId);
    if (avatar === undefined) {
      throw notFound('Avatar');
    }
    return this.view(avatar);
  }

  /** Deletes the avatar row, then its objects; 404 `not_found` when the user has none. */
  async remove(owner: MediaOwner): Promise<void> {
    const avatar = await this.avatars.remove(owner.tenantId, owner.userId);
    if (avatar === undefined) {
      throw notFound('Avatar');
    }
    await this.intake.objects.deleteVariants(avatar.variants, 'deleted avatar');
  }

  private async view(avatar: AvatarRecord): Promise<AvatarView> {
    return {
      id: avatar.objectId,
      sourceType: avatar.sourceType,
      updatedAt: avatar.updatedAt,
      ...(await this.intake.objects.links(avatar.variants)),
    };
  }
}
