package gateway

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"motcua/lookups"
)

// BenchmarkDecodeBatchAnswer decodes an identity answer of 1,000 residents:
// "stream" is the client's reader (result by result, limits checked),
// "whole" decodes the whole value at once (what the client did before).
func BenchmarkDecodeBatchAnswer(b *testing.B) {
	var ids []string
	resp := BatchResponse{FetchedAt: time.Now().UTC()}
	for i := range 1000 {
		id := "001190" + strconv.Itoa(100000+i)
		ids = append(ids, id)
		addr := lookups.Address{Detail: "Số " + strconv.Itoa(i) + ", ngõ Thử Nghiệm", WardCode: "00004", WardName: "Phường Ba Đình", ProvinceCode: "01", ProvinceName: "Thành phố Hà Nội"}
		resp.Results = append(resp.Results, BatchResult{ID: id, Found: true, Resident: &lookups.Resident{
			Citizen:   lookups.Citizen{ID: id, FullName: "Nguyễn Thị Thử Nghiệm", BirthDate: lookups.NewDate(1990, 1, 2), Sex: lookups.Female, Nationality: "Việt Nam", Ethnicity: "Kinh"},
			Permanent: &lookups.Residence{Kind: lookups.Permanent, Address: addr}}})
	}
	body, _ := json.Marshal(resp)
	b.Run("stream", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var out BatchResponse
			if err := decodeBatch(newAnswerReader(bytes.NewReader(body), MaxBatchBodyBytes), ids, ViewIdentity, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("whole", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var out BatchResponse
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
