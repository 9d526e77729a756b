-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "EditOperation" AS ENUM ('SAMPLE', 'IMPORT', 'SWAP', 'RESAMPLE', 'INTERPOLATE', 'TRUNCATE');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "JobKind" AS ENUM ('RENDER_EDIT', 'RENDER_COMPOSITION');

-- CreateTable
CREATE TABLE "Workspace" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Workspace_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "name" TEXT,
    "tokenHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GenerativeModel" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "resolution" INTEGER NOT NULL,
    "untrained" BOOLEAN NOT NULL,
    "manifest" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GenerativeModel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Project" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Project_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Face" (
    "id" UUID NOT NULL,
    "projectId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "headEditId" UUID,
    "editCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Face_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Edit" (
    "id" UUID NOT NULL,
    "faceId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "parentId" UUID,
    "operation" "EditOperation" NOT NULL,
    "params" JSONB NOT NULL,
    "latent" BYTEA NOT NULL,
    "authorTokenId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "renderId" UUID,

    CONSTRAINT "Edit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Render" (
    "id" UUID NOT NULL,
    "cacheKey" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "imagePng" BYTEA NOT NULL,
    "segmentationPng" BYTEA NOT NULL,
    "coarseMask" BYTEA NOT NULL,
    "coarseSize" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Render_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RenderDepth" (
    "renderId" UUID NOT NULL,
    "componentIndex" INTEGER NOT NULL,
    "png" BYTEA NOT NULL,

    CONSTRAINT "RenderDepth_pkey" PRIMARY KEY ("renderId","componentIndex")
);

-- CreateTable
CREATE TABLE "InferenceJob" (
    "id" UUID NOT NULL,
    "kind" "JobKind" NOT NULL,
    "faceId" UUID NOT NULL,
    "editId" UUID NOT NULL,
    "modelId" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'QUEUED',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL DEFAULT 5,
    "error" TEXT,
    "workerId" TEXT,
    "renderId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "InferenceJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QueueWorker" (
    "id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "queueWorkerIds" TEXT[],
    "concurrency" INTEGER NOT NULL,
    "modelIds" TEXT[],
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "QueueWorker_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Workspace_name_key" ON "Workspace"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "ApiToken_workspaceId_idx" ON "ApiToken"("workspaceId");

-- CreateIndex
CREATE INDEX "Project_workspaceId_id_idx" ON "Project"("workspaceId", "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "Face_headEditId_key" ON "Face"("headEditId");

-- CreateIndex
CREATE INDEX "Face_projectId_id_idx" ON "Face"("projectId", "id" DESC);

-- CreateIndex
CREATE INDEX "Edit_parentId_seq_idx" ON "Edit"("parentId", "seq");

-- CreateIndex
CREATE INDEX "Edit_renderId_idx" ON "Edit"("renderId");

-- CreateIndex
CREATE UNIQUE INDEX "Edit_faceId_seq_key" ON "Edit"("faceId", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "Render_cacheKey_key" ON "Render"("cacheKey");

-- CreateIndex
CREATE INDEX "InferenceJob_editId_idx" ON "InferenceJob"("editId");

-- CreateIndex
CREATE INDEX "InferenceJob_faceId_idx" ON "InferenceJob"("faceId");

-- CreateIndex
CREATE INDEX "InferenceJob_status_idx" ON "InferenceJob"("status");

-- CreateIndex
CREATE INDEX "InferenceJob_renderId_idx" ON "InferenceJob"("renderId");

-- CreateIndex
CREATE INDEX "QueueWorker_lastSeenAt_idx" ON "QueueWorker"("lastSeenAt");

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Project" ADD CONSTRAINT "Project_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Project" ADD CONSTRAINT "Project_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "GenerativeModel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Face" ADD CONSTRAINT "Face_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Face" ADD CONSTRAINT "Face_headEditId_fkey" FOREIGN KEY ("headEditId") REFERENCES "Edit"("id") ON DELETE NO ACTION ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "Edit" ADD CONSTRAINT "Edit_faceId_fkey" FOREIGN KEY ("faceId") REFERENCES "Face"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Edit" ADD CONSTRAINT "Edit_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Edit"("id") ON DELETE NO ACTION ON UPDATE NO ACTION;

-- AddForeignKey
ALTER TABLE "Edit" ADD CONSTRAINT "Edit_authorTokenId_fkey" FOREIGN KEY ("authorTokenId") REFERENCES "ApiToken"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Edit" ADD CONSTRAINT "Edit_renderId_fkey" FOREIGN KEY ("renderId") REFERENCES "Render"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Render" ADD CONSTRAINT "Render_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "GenerativeModel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RenderDepth" ADD CONSTRAINT "RenderDepth_renderId_fkey" FOREIGN KEY ("renderId") REFERENCES "Render"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InferenceJob" ADD CONSTRAINT "InferenceJob_faceId_fkey" FOREIGN KEY ("faceId") REFERENCES "Face"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InferenceJob" ADD CONSTRAINT "InferenceJob_editId_fkey" FOREIGN KEY ("editId") REFERENCES "Edit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InferenceJob" ADD CONSTRAINT "InferenceJob_renderId_fkey" FOREIGN KEY ("renderId") REFERENCES "Render"("id") ON DELETE SET NULL ON UPDATE CASCADE;
