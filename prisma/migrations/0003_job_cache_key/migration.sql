-- AlterTable
ALTER TABLE "InferenceJob" ADD COLUMN     "cacheKey" TEXT;
