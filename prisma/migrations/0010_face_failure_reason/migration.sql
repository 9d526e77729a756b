-- Why a face is FAILED: its import was cancelled, or its inversion job failed (the job's error).
ALTER TABLE "Face" ADD COLUMN "failureReason" TEXT;
