-- AlterEnum
ALTER TYPE "EditOperation" ADD VALUE 'ATTRIBUTE';

-- CreateEnum
CREATE TYPE "AttributeSource" AS ENUM ('LEARNED', 'EXAMPLES', 'IMPORTED');

-- CreateTable
CREATE TABLE "AttributeDirection" (
    "id" UUID NOT NULL,
    "modelId" TEXT NOT NULL,
    "workspaceId" UUID,
    "name" TEXT NOT NULL,
    "component" TEXT NOT NULL,
    "part" TEXT NOT NULL,
    "vector" BYTEA NOT NULL,
    "method" TEXT NOT NULL,
    "accuracy" DOUBLE PRECISION,
    "samples" INTEGER NOT NULL,
    "spread" DOUBLE PRECISION NOT NULL,
    "source" "AttributeSource" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AttributeDirection_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AttributeDirection_modelId_workspaceId_name_key" ON "AttributeDirection"("modelId", "workspaceId", "name");

-- AddForeignKey
ALTER TABLE "AttributeDirection" ADD CONSTRAINT "AttributeDirection_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "GenerativeModel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AttributeDirection" ADD CONSTRAINT "AttributeDirection_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
