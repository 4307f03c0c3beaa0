import { describeApiContract } from "./api-contract";
import { localTarget } from "./targets";

describeApiContract("LocalApi on a file store", localTarget);
