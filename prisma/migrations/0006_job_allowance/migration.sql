-- CreateTable
CREATE TABLE "JobAllowance" (
    "tokenId" UUID NOT NULL,
    "available" DOUBLE PRECISION NOT NULL,
    "refilledAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "JobAllowance_pkey" PRIMARY KEY ("tokenId")
);

-- AddForeignKey
ALTER TABLE "JobAllowance" ADD CONSTRAINT "JobAllowance_tokenId_fkey" FOREIGN KEY ("tokenId") REFERENCES "ApiToken"("id") ON DELETE CASCADE ON UPDATE CASCADE;
