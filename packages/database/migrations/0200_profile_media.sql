-- Avatars and portfolio items of auth-svc. The image bytes live in the uploads bucket; these rows
-- name the stored objects. Each upload gets a fresh object id (a UUID in every key of its variants),
-- so replacing an image never overwrites objects that a reader may still be fetching.

-- One avatar per user and tenant. `variants` is a JSON array of
-- {"name": "512", "key": "tenant/.../512.webp", "width": 512, "height": 512, "bytes": 1234}, stored
-- explicitly so that a later change of the variant sizes can still delete older objects.
CREATE TABLE profile_avatars (
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  object_id uuid NOT NULL,
  -- Media type detected from the uploaded bytes, such as image/jpeg; the variants are all WebP.
  source_type text NOT NULL,
  variants jsonb NOT NULL CHECK (jsonb_typeof(variants) = 'array'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id)
);

CREATE INDEX profile_avatars_user_id_idx ON profile_avatars (user_id);

-- Portfolio items are listed by `position` (then creation time and id, which break ties). The image
-- columns are all null until an image is uploaded, and all set afterwards.
CREATE TABLE portfolio_items (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description text NOT NULL CHECK (length(description) <= 5000),
  position integer NOT NULL CHECK (position >= 0),
  image_object_id uuid,
  image_source_type text,
  image_variants jsonb,
  image_updated_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (
    (image_object_id IS NULL AND image_source_type IS NULL AND image_variants IS NULL
      AND image_updated_at IS NULL)
    OR (image_object_id IS NOT NULL AND image_source_type IS NOT NULL
      AND jsonb_typeof(image_variants) = 'array' AND image_updated_at IS NOT NULL)
  )
);

CREATE INDEX portfolio_items_owner_position_idx ON portfolio_items (tenant_id, user_id, position);
CREATE INDEX portfolio_items_user_id_idx ON portfolio_items (user_id);
