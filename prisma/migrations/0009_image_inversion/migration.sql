-- A designer's own image as a face: the INVERT root edit, its INVERT_IMAGE job, the stored source
-- image, and the face's status while the inversion runs.
ALTER TYPE "EditOperation" ADD VALUE 'INVERT';
ALTER TYPE "JobKind" ADD VALUE 'INVERT_IMAGE';

CREATE TYPE "FaceStatus" AS ENUM ('READY', 'INVERTING', 'FAILED');
ALTER TABLE "Face" ADD COLUMN "status" "FaceStatus" NOT NULL DEFAULT 'READY';

ALTER TABLE "InferenceJob" ADD COLUMN "progress" DOUBLE PRECISION;

CREATE TABLE "SourceImage" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "format" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "bytes" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "crop" JSONB NOT NULL,
    "alignedPng" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SourceImage_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "SourceImage_workspaceId_idx" ON "SourceImage"("workspaceId");
ALTER TABLE "SourceImage" ADD CONSTRAINT "SourceImage_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
