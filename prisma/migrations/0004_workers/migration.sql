-- InferenceJob.error is what tenants read, errorDetail (worker, host, pid, stack) is for operators only
ALTER TABLE "InferenceJob" ADD COLUMN     "errorDetail" TEXT;
